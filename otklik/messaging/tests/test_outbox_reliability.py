"""Nothing lost, nothing twice: the outbox's guarantees, one per test."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_claim, outbox_deliver, outbox_deliver_due, outbox_enqueue

DISCONNECTING = "otklik.messaging.tests.mail_backends.DisconnectingBackend"


@pytest.fixture
def message(world) -> OutboxMessage:
    return outbox_enqueue(
        organization=world.org,
        key="case:1:case_report",
        recipient="c@example.org",
        subject="What changed thanks to you",
        body="Here is what we did.",
        kind="case_report",
    )


def make_due(message: OutboxMessage) -> None:
    """Skip the backoff wait, as if its time had come."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_the_same_key_twice_makes_one_row(world, message):
    again = outbox_enqueue(
        organization=world.org,
        key="case:1:case_report",
        recipient="someone-else@example.org",
        subject="Another subject",
        body="Another body",
        kind="case_report",
    )
    assert again.pk == message.pk
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().recipient == "c@example.org"


def test_only_one_of_two_claims_succeeds(message):
    assert outbox_claim(message_id=message.pk) is True
    assert outbox_claim(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING and message.attempts == 1


def test_a_claimed_message_is_not_delivered_by_a_second_worker(message):
    assert outbox_claim(message_id=message.pk)
    assert outbox_deliver(message_id=message.pk) is False
    assert outbox_deliver_due() == 0
    assert mail.outbox == []


def test_it_delivers_a_message_once(message):
    assert outbox_deliver_due() == 1
    assert outbox_deliver_due() == 0
    assert outbox_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None


@override_settings(OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS=300)
def test_a_message_whose_sender_died_is_sent_again(message):
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(seconds=301)
    )
    assert outbox_deliver_due() == 1
    assert [m.to for m in mail.outbox] == [["c@example.org"]]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2


@override_settings(OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS=300)
def test_a_freshly_claimed_message_is_left_to_its_sender(message):
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(seconds=299)
    )
    assert outbox_deliver_due() == 0
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING


@override_settings(EMAIL_BACKEND=DISCONNECTING)
def test_a_failing_channel_leaves_the_message_pending_for_a_retry(message):
    before = timezone.now()
    assert outbox_deliver_due() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    assert message.next_attempt_at > before
    assert message.claimed_at is None
    # Not due yet: a sweep right away leaves it alone.
    assert outbox_deliver_due() == 0
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


def test_a_retry_after_a_failure_sends_it_and_clears_the_error(message):
    with override_settings(EMAIL_BACKEND=DISCONNECTING):
        outbox_deliver_due()
    make_due(message)
    assert outbox_deliver_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND=DISCONNECTING, OTKLIK_OUTBOX_MAX_ATTEMPTS=3)
def test_it_gives_up_after_the_maximum_attempts(message):
    for attempt in [1, 2]:
        outbox_deliver_due()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, attempt)
        make_due(message)
    outbox_deliver_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 3)
    make_due(message)
    assert outbox_deliver_due() == 0
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 3


def test_the_backoff_grows_between_attempts(message):
    waits = []
    with override_settings(EMAIL_BACKEND=DISCONNECTING):
        for _attempt in range(3):
            make_due(message)
            started = timezone.now()
            outbox_deliver_due()
            message.refresh_from_db()
            waits.append(message.next_attempt_at - started)
    assert waits[0] < waits[1] < waits[2]


def test_a_permanently_bad_address_fails_at_once(world):
    bad = outbox_enqueue(
        organization=world.org, key="bad", recipient="not-an-address", subject="Hi", body="x", kind="case_report"
    )
    assert outbox_deliver_due() == 0
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (OutboxStatus.FAILED, 1)
    assert "not an e-mail address" in bad.last_error
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_task_queue_that_is_down_loses_nothing(monkeypatch):
    """If Redis (or whatever queue) refuses the task after commit, the row stays and the sweep sends it."""
    from django.db import transaction
    from django_tasks import task_backends

    from otklik.testing import factories

    def queue_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(type(task_backends["default"]), "enqueue", queue_down)
    organization = factories.make_organization(name="Queue down", slug="queue-down")
    with transaction.atomic():
        message = outbox_enqueue(
            organization=organization, key="k", recipient="c@example.org", subject="s", body="b", kind="case_report"
        )
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING
    assert outbox_deliver_due() == 1
    assert len(mail.outbox) == 1
