"""E-mail to customers through Django's SMTP backend and a real (local) SMTP server."""

import pytest

from otklik.messaging.models import OutboxStatus
from otklik.messaging.services import outbox_deliver, outbox_enqueue
from otklik.messaging.tests.customers import make_customer
from otklik.testing.lean_smtp import start_lean_sink
from otklik.testing.smtp_sink import start_sink


@pytest.fixture
def server(settings):
    controller, handler = start_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield controller
    if controller._thread is not None:  # a test may have stopped it already
        controller.stop()


@pytest.fixture
def sink(server):
    return server.handler


def enqueue(world, customer, key="invitation:1"):
    return outbox_enqueue(
        organization=world.org,
        key=key,
        recipient=customer.email,
        subject="How was your purchase?",
        body="Please rate it: https://example.org/i/abc/",
        kind="invitation",
        customer=customer,
    )


def test_the_server_receives_the_unsubscribe_headers_and_footer(sink, world, settings):
    settings.SITE_URL = "https://otklik.example.com"
    customer = make_customer(organization=world.org, language="ru")
    message = enqueue(world, customer)
    assert outbox_deliver(message_id=message.pk) is True
    [received] = sink.messages
    assert received["To"] == "anna@example.org"
    # A long header is folded after the colon; unfolded it is the same value.
    assert received["List-Unsubscribe"].strip().startswith("<https://otklik.example.com/u/")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"] == f"<invitation.1@{settings.DEFAULT_FROM_EMAIL.split('@')[1].rstrip('>')}>"
    assert "Отписаться в один клик: https://otklik.example.com/u/" in received.get_content()


def test_a_550_from_the_server_marks_the_address_invalid(sink, world):
    customer = make_customer(organization=world.org, email="bounce.anna@example.org")
    message = enqueue(world, customer)
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "550 5.1.1" in message.last_error and "User unknown" in message.last_error
    customer.refresh_from_db()
    assert customer.email_invalid_at is not None
    assert sink.messages == []


def test_one_connection_carries_many_messages(sink, world):
    customer = make_customer(organization=world.org)
    for n in range(3):
        assert outbox_deliver(message_id=enqueue(world, customer, key=f"invitation:{n}").pk) is True
    assert len(sink.messages) == 3
    assert sink.sessions == 1


def test_a_restarted_server_does_not_fail_the_next_message(server, world):
    customer = make_customer(organization=world.org)
    assert outbox_deliver(message_id=enqueue(world, customer, key="invitation:1").pk) is True
    server.stop()  # the kept connection is now dead
    restarted, handler = start_sink(port=server.port)
    try:
        assert outbox_deliver(message_id=enqueue(world, customer, key="invitation:2").pk) is True
    finally:
        restarted.stop()
    assert [str(m["Message-ID"]).split("@")[0] for m in handler.messages] == ["<invitation.2"]


def test_a_relay_offering_pipelining_gets_the_same_messages_and_bounces(world, settings):
    """Against a server that offers PIPELINING (the lean sink, as Postfix) MAIL, RCPT and DATA go in one write;
    a refused recipient is still a hard bounce, and the connection carries the next message."""
    lean = start_lean_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", lean.port, False
    try:
        anna = make_customer(organization=world.org)
        ivan = make_customer(organization=world.org, email="bounce.ivan@example.org")
        assert outbox_deliver(message_id=enqueue(world, anna, key="invitation:1").pk) is True
        bounced = enqueue(world, ivan, key="invitation:2")
        assert outbox_deliver(message_id=bounced.pk) is False
        assert outbox_deliver(message_id=enqueue(world, anna, key="invitation:3").pk) is True
    finally:
        lean.close()
    bounced.refresh_from_db()
    ivan.refresh_from_db()
    assert bounced.status == OutboxStatus.FAILED and "550 5.1.1" in bounced.last_error
    assert ivan.email_invalid_at is not None
    assert [m["Message-ID"].split("@")[0] for m in lean.messages] == ["<invitation.1", "<invitation.3"]
    assert lean.messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert lean.sessions == 1
    # Greeting, then two reads a message (commands, data) and two for the refusal (commands, RSET).
    assert lean.reads == 1 + 2 + 2 + 2
