"""Telegram alerts through the real Bot API, against a local fake server."""

import socket

import pytest
from django.utils import timezone

from otklik.cases.tests.samples import SERVICE
from otklik.messaging.channels import CHANNELS, TelegramChannel, TransportError
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver, outbox_deliver_due, outbox_enqueue
from otklik.messaging.tests.fake_telegram import TOKEN


@pytest.fixture
def message(world) -> OutboxMessage:
    return outbox_enqueue(
        organization=world.org,
        key="case:1:alert:3:telegram",
        recipient="123456789",
        subject="New complaint #1 at Main Street",
        body=SERVICE,
        kind="case_alert",
        channel="telegram",
    )


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_telegram_is_a_registered_channel():
    assert isinstance(CHANNELS["telegram"], TelegramChannel)


def test_it_posts_the_real_send_message_json(telegram, message):
    assert outbox_deliver_due() == 1
    [request] = telegram.requests
    assert request["path"] == f"/bot{TOKEN}/sendMessage"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"chat_id": "123456789", "text": f"New complaint #1 at Main Street\n\n{SERVICE}"}
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_a_blocked_bot_is_a_permanent_failure(telegram, message):
    telegram.reply_with(403, "Forbidden: bot was blocked by the user")
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "bot was blocked by the user" in message.last_error
    make_due(message)
    assert outbox_deliver_due() == 0
    assert len(telegram.requests) == 1


def test_an_unknown_chat_is_a_permanent_failure(telegram, message):
    telegram.reply_with(400, "Bad Request: chat not found")
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "chat not found" in message.last_error


@pytest.mark.parametrize("status", [500, 502, 429])
def test_a_server_error_or_rate_limit_is_retried_later(telegram, message, status):
    telegram.reply_with(status, "Too Many Requests: retry after 5" if status == 429 else "")
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.next_attempt_at > timezone.now()
    assert f"HTTP {status}" in message.last_error

    make_due(message)
    assert outbox_deliver_due() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    assert len(telegram.requests) == 2


def test_a_timeout_is_retried_later(telegram, message, monkeypatch):
    monkeypatch.setattr(TelegramChannel, "timeout_seconds", 0.2)
    telegram.delay_seconds = 1.0
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "could not be reached" in message.last_error


def test_an_unreachable_api_is_retried_later(settings, message):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OTKLIK_TELEGRAM_API_URL = f"http://127.0.0.1:{port}"
    settings.OTKLIK_TELEGRAM_BOT_TOKEN = TOKEN
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "Telegram could not be reached" in message.last_error
    assert TOKEN not in message.last_error


def test_without_a_token_it_fails_at_once_and_says_what_to_set(settings, message):
    settings.OTKLIK_TELEGRAM_BOT_TOKEN = ""
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "OTKLIK_TELEGRAM_BOT_TOKEN" in message.last_error


def test_a_long_message_is_cut_to_telegrams_limit(telegram):
    TelegramChannel().send(recipient="42", subject="", body=SERVICE * 100, message_key="k")
    text = telegram.sent[0]["text"]
    assert len(text) == 4096 and text.endswith("…")


def test_an_empty_chat_id_is_refused_without_a_call(telegram):
    with pytest.raises(TransportError) as error:
        TelegramChannel().send(recipient=" ", subject="s", body="b", message_key="k")
    assert error.value.permanent
    assert telegram.requests == []
