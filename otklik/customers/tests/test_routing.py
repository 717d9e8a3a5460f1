"""Which channel reaches a customer: Telegram, then e-mail, then SMS, among those permitted."""

import pytest
from django.utils import timezone

from otklik.customers.routing import Route, customer_route
from otklik.messaging.tests.customers import make_customer


def test_telegram_comes_first_when_permitted(world):
    customer = make_customer(organization=world.org)
    assert customer_route(customer) == Route(channel="telegram", recipient="123456789")


def test_without_telegram_consent_it_is_e_mail(world):
    customer = make_customer(organization=world.org, consent_telegram=False)
    assert customer_route(customer) == Route(channel="email", recipient="anna@example.org")


def test_without_a_chat_id_or_e_mail_it_is_sms(world):
    customer = make_customer(organization=world.org, telegram_chat_id="", email="")
    assert customer_route(customer) == Route(channel="sms", recipient="79161234567")


@pytest.mark.parametrize(
    ("invalid", "expected"),
    [(["telegram_invalid_at"], "email"), (["telegram_invalid_at", "email_invalid_at"], "sms")],
)
def test_an_address_marked_invalid_is_skipped(world, invalid, expected):
    customer = make_customer(organization=world.org, **{field: timezone.now() for field in invalid})
    assert customer_route(customer).channel == expected


def test_nothing_permitted_is_none(world):
    customer = make_customer(organization=world.org, consent_email=False, consent_sms=False, consent_telegram=False)
    assert customer_route(customer) is None


def test_an_address_without_consent_is_never_chosen(world):
    customer = make_customer(organization=world.org, telegram_chat_id="", consent_email=False, phone="")
    assert customer_route(customer) is None


def test_the_order_is_a_setting(world, settings):
    settings.OTKLIK_CHANNEL_ORDER = ["sms", "email"]
    customer = make_customer(organization=world.org)
    assert customer_route(customer) == Route(channel="sms", recipient="79161234567")
    settings.OTKLIK_CHANNEL_ORDER = ["email"]
    assert customer_route(customer).channel == "email"
