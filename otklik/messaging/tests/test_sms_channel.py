"""SMS through Twilio's Messages API, against a local fake server."""

import base64

import pytest
from django.utils import timezone

from otklik.messaging.channels import SmsChannel, TransportError
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver, outbox_enqueue
from otklik.messaging.tests.customers import make_customer
from otklik.messaging.tests.fake_twilio import ACCOUNT, AUTH_TOKEN, SENDER


@pytest.fixture
def customer(world):
    return make_customer(organization=world.org, language="ru", phone="79161234567")


@pytest.fixture
def message(world, customer) -> OutboxMessage:
    return outbox_enqueue(
        organization=world.org,
        key="invitation:1:sms",
        recipient=customer.phone,
        subject="",
        body="Оцените, пожалуйста, покупку: https://example.org/i/abc/",
        kind="invitation",
        channel="sms",
        customer=customer,
    )


def test_it_posts_the_message_form_encoded_with_basic_auth(twilio, message):
    assert outbox_deliver(message_id=message.pk) is True
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert (
        request["headers"]["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT}:{AUTH_TOKEN}".encode()).decode()
    )
    assert request["form"]["To"] == "+79161234567"
    assert request["form"]["From"] == SENDER
    assert request["form"]["Body"].startswith("Оцените, пожалуйста, покупку")
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_the_body_ends_with_the_stop_line_in_the_customers_language(twilio, message):
    outbox_deliver(message_id=message.pk)
    assert twilio.sent[0]["Body"].endswith("\nЧтобы отписаться, ответьте СТОП")


def test_a_messaging_service_sid_is_sent_as_such(twilio, settings):
    settings.OTKLIK_SMS_FROM = "MG00000000000000000000000000000002"
    SmsChannel().send(recipient="380501234567", subject="", body="Hi", message_key="k")
    form = twilio.sent[0]
    assert form["MessagingServiceSid"] == "MG00000000000000000000000000000002" and "From" not in form


def test_a_non_breaking_space_is_replaced(twilio):
    SmsChannel().send(recipient="79161234567", subject="", body="10\u00a0000 ₽", message_key="k")
    assert twilio.sent[0]["Body"] == "10 000 ₽"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (21211, "Invalid 'To' Phone Number: +7916123456X"),
        (21614, "'To' number is not a valid mobile number"),
        (21610, "Attempt to send to unsubscribed recipient"),
    ],
)
def test_a_bad_number_fails_at_once_and_marks_the_phone_invalid(twilio, message, customer, code, text):
    twilio.reply_with(400, code, text)
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 1
    assert str(code) in message.last_error and text in message.last_error
    customer.refresh_from_db()
    assert customer.phone_invalid_at is not None


def test_after_a_bad_number_further_sms_to_it_are_suppressed(twilio, world, message, customer):
    twilio.reply_with(400, 21211, "Invalid 'To' Phone Number")
    outbox_deliver(message_id=message.pk)
    customer.refresh_from_db()
    second = outbox_enqueue(
        organization=world.org,
        key="invitation:2:sms",
        recipient=customer.phone,
        subject="",
        body="Again",
        kind="invitation",
        channel="sms",
        customer=customer,
    )
    assert outbox_deliver(message_id=second.pk) is False
    second.refresh_from_db()
    assert second.status == OutboxStatus.SUPPRESSED
    assert "marked invalid" in second.last_error
    assert len(twilio.requests) == 1


def test_wrong_credentials_fail_at_once_but_leave_the_number_alone(twilio, settings, message, customer):
    settings.OTKLIK_SMS_API_KEY = "wrong"
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "20003" in message.last_error
    customer.refresh_from_db()
    assert customer.phone_invalid_at is None


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_a_rate_limit_or_server_error_is_retried_later(twilio, message, customer, status, code):
    twilio.reply_with(status, code, "Try again later")
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.next_attempt_at > timezone.now()
    customer.refresh_from_db()
    assert customer.phone_invalid_at is None


def test_without_configuration_it_fails_at_once_and_says_what_to_set(settings, message):
    settings.OTKLIK_SMS_ACCOUNT_SID = ""
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "OTKLIK_SMS_ACCOUNT_SID" in message.last_error


def test_a_number_too_short_is_refused_without_a_call(twilio):
    with pytest.raises(TransportError) as error:
        SmsChannel().send(recipient="12345", subject="", body="b", message_key="k")
    assert error.value.permanent and error.value.bad_address
    assert twilio.requests == []
