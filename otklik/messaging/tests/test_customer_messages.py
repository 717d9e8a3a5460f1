"""Messages to a known customer: a way out in every message, and consent checked again right before sending."""

import pytest
from django.core import mail
from django.test import override_settings

from otklik.customers.consent import consent_revoke, unsubscribe_token_read
from otklik.customers.models import Customer
from otklik.messaging.models import OutboxStatus
from otklik.messaging.services import outbox_deliver, outbox_enqueue
from otklik.messaging.tests.customers import make_customer

REFUSING = "otklik.messaging.tests.mail_backends.RefusingBackend"
GREYLISTING = "otklik.messaging.tests.mail_backends.GreylistingBackend"


def enqueue(world, customer, *, channel="email", key="invitation:1", recipient=None):
    return outbox_enqueue(
        organization=world.org,
        key=key,
        recipient=recipient
        or {"email": customer.email, "sms": customer.phone, "telegram": customer.telegram_chat_id}[channel],
        subject="How was your purchase?",
        body="Please rate it: https://example.org/i/abc/",
        kind="invitation",
        channel=channel,
        customer=customer,
    )


@pytest.fixture
def customer(world) -> Customer:
    return make_customer(organization=world.org)


def test_an_e_mail_carries_the_rfc_8058_headers(world, customer, settings):
    settings.SITE_URL = "https://otklik.example.com"
    settings.OTKLIK_UNSUBSCRIBE_MAILTO = "unsubscribe@otklik.example.com"
    message = enqueue(world, customer)
    outbox_deliver(message_id=message.pk)
    [sent] = mail.outbox
    headers = sent.message()
    link, mailto = [part.strip() for part in headers["List-Unsubscribe"].split(",")]
    assert link.startswith("<https://otklik.example.com/u/") and link.endswith("/>")
    assert mailto.startswith("<mailto:unsubscribe@otklik.example.com?subject=unsubscribe%20")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link[1:-2].rsplit("/", 1)[-1]
    assert unsubscribe_token_read(token) == (customer, "email")


def test_without_a_mailto_address_the_header_has_only_the_link(world, customer):
    message = enqueue(world, customer)
    outbox_deliver(message_id=message.pk)
    value = mail.outbox[0].message()["List-Unsubscribe"]
    assert value.count("<") == 1 and "/u/" in value


def test_the_e_mail_body_ends_with_the_unsubscribe_link_in_the_customers_language(world):
    customer = make_customer(organization=world.org, language="uk")
    message = enqueue(world, customer)
    footer = message.body.rsplit("\n-- \n", 1)[1]
    assert footer.startswith("Ви отримали цього листа як клієнт Acme Coffee. Відписатися в один клік: http")
    assert "/u/" in footer


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("en", "Reply STOP to unsubscribe"),
        ("ru", "Чтобы отписаться, ответьте СТОП"),
        ("uk", "Щоб відписатися, надішліть СТОП"),
    ],
)
def test_sms_and_telegram_end_with_a_stop_line(world, language, line):
    customer = make_customer(organization=world.org, language=language)
    for channel in ["sms", "telegram"]:
        message = enqueue(world, customer, channel=channel, key=f"k:{channel}")
        assert message.body.endswith("\n" + line)
        assert message.headers == {}


def test_a_message_without_a_customer_is_unchanged(world):
    message = outbox_enqueue(
        organization=world.org, key="alert", recipient="boss@example.org", subject="s", body="b", kind="case_alert"
    )
    assert message.body == "b" and message.headers == {} and message.customer is None


def test_an_unsubscribe_after_queueing_suppresses_the_queued_message(world, customer):
    message = enqueue(world, customer)
    consent_revoke(customer=Customer.objects.get(pk=customer.pk), channel="email")
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.SUPPRESSED
    assert "not consented to email" in message.last_error
    assert mail.outbox == []


def test_unsubscribing_from_e_mail_leaves_other_channels_alone(world, customer):
    message = enqueue(world, customer, channel="telegram")
    consent_revoke(customer=customer, channel="email")
    customer.refresh_from_db()
    assert (customer.consent_email, customer.consent_sms, customer.consent_telegram) == (False, True, True)
    assert (
        outbox_deliver(message_id=message.pk) is False
    )  # Telegram is not configured in tests: it fails, not suppressed
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


@override_settings(EMAIL_BACKEND=REFUSING)
def test_a_hard_bounce_marks_the_address_invalid_and_records_the_answer(world, customer):
    message = enqueue(world, customer)
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert "550 5.1.1 The email account that you tried to reach does not exist" in message.last_error
    customer.refresh_from_db()
    assert customer.email_invalid_at is not None

    later = enqueue(world, customer, key="invitation:2")
    outbox_deliver(message_id=later.pk)
    later.refresh_from_db()
    assert later.status == OutboxStatus.SUPPRESSED and "marked invalid" in later.last_error


@override_settings(EMAIL_BACKEND=GREYLISTING)
def test_a_temporary_refusal_is_retried_and_leaves_the_address_valid(world, customer):
    message = enqueue(world, customer)
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    customer.refresh_from_db()
    assert customer.email_invalid_at is None


@override_settings(EMAIL_BACKEND=REFUSING)
def test_a_bounce_for_an_old_address_does_not_mark_the_new_one(world, customer):
    message = enqueue(world, customer)
    Customer.objects.filter(pk=customer.pk).update(email="anna.new@example.org")
    outbox_deliver(message_id=message.pk)
    customer.refresh_from_db()
    assert customer.email_invalid_at is None
