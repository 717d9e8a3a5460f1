"""The unsubscribe link: a confirm page in the customer's language, a form POST, and RFC 8058 one-click."""

import pytest
from django.test import Client
from django.urls import reverse

from otklik.customers.models import Customer
from otklik.messaging.consent import unsubscribe_token
from otklik.messaging.tests.customers import make_customer


def url(customer, channel="email") -> str:
    return reverse("customers:unsubscribe", args=[unsubscribe_token(customer=customer, channel=channel)])


def consents(customer) -> tuple[bool, bool, bool]:
    customer.refresh_from_db()
    return customer.consent_email, customer.consent_sms, customer.consent_telegram


@pytest.fixture
def customer(world) -> Customer:
    return make_customer(organization=world.org)


@pytest.fixture
def anonymous() -> Client:
    # Mail clients send the one-click POST without cookies or a CSRF token: the real check must be on.
    return Client(enforce_csrf_checks=True)


def test_get_shows_a_confirm_page_and_changes_nothing(anonymous, customer):
    page = anonymous.get(url(customer))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="unsubscribe-form"' in html and "Acme Coffee" in html
    assert consents(customer) == (True, True, True)


def test_the_page_speaks_the_customers_language(anonymous, world):
    customer = make_customer(organization=world.org, language="ru")
    html = anonymous.get(url(customer)).content.decode()
    assert '<html lang="ru">' in html


def test_the_one_click_post_unsubscribes_from_that_channel_only(anonymous, customer):
    answer = anonymous.post(url(customer, "email"), {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert consents(customer) == (False, True, True)


def test_the_form_can_unsubscribe_from_everything(anonymous, customer):
    answer = anonymous.post(url(customer, "sms"), {"scope": "all"})
    assert answer.status_code == 200
    assert 'id="unsubscribed"' in answer.content.decode()
    assert consents(customer) == (False, False, False)


def test_the_form_by_default_unsubscribes_from_the_links_channel(anonymous, customer):
    anonymous.post(url(customer, "telegram"), {"scope": "channel"})
    assert consents(customer) == (True, True, False)


def test_unsubscribing_twice_is_harmless(anonymous, customer):
    for _ in range(2):
        assert anonymous.post(url(customer), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert consents(customer) == (False, True, True)


def test_a_bad_scope_is_refused_and_changes_nothing(anonymous, customer):
    answer = anonymous.post(url(customer), {"scope": "everyone"})
    assert answer.status_code == 400
    assert consents(customer) == (True, True, True)


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x" + t, lambda t: "garbage"]
)
def test_a_forged_or_damaged_token_is_404_and_changes_nothing(anonymous, customer, mangle):
    token = unsubscribe_token(customer=customer, channel="email")
    bad = reverse("customers:unsubscribe", args=[mangle(token)])
    assert anonymous.get(bad).status_code == 404
    assert anonymous.post(bad, {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert consents(customer) == (True, True, True)


def test_a_token_for_a_deleted_customer_is_404(anonymous, customer):
    link = url(customer)
    customer.delete()
    assert anonymous.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 404


def test_a_link_touches_only_its_own_customer(anonymous, world, customer):
    other = make_customer(organization=world.other_org, email="anna@example.org")
    anonymous.post(url(customer), {"scope": "all"})
    assert consents(other) == (True, True, True)


@pytest.mark.parametrize(
    ("channel", "offered", "done"),
    [
        ("email", "E-mails", "Acme Coffee will not send you any more e-mails."),
        ("sms", "SMS", "Acme Coffee will not send you any more SMS."),
        ("telegram", "Telegram messages", "Acme Coffee will not send you any more Telegram messages."),
    ],
)
def test_the_page_names_the_channel_from_its_facts_and_offers_them_all(anonymous, customer, channel, offered, done):
    customer.language = "en"
    customer.save()
    html = anonymous.get(url(customer, channel)).content.decode()
    assert f'value="channel" checked> {offered}</label>' in html
    assert "All messages: e-mail, SMS, Telegram" in html
    html = anonymous.post(url(customer, channel), {"scope": "channel"}).content.decode()
    assert done in html
