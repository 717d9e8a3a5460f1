"""A worker killed mid-batch: what it recorded is never sent again; what it held is retried once its claim is stale."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver_due, outbox_deliver_many, outbox_enqueue
from otklik.messaging.tests.mail_backends import WorkerKilled

KILLED_MID_BATCH = "otklik.messaging.tests.mail_backends.KilledMidBatchBackend"
LEASE = 300


@pytest.fixture
def batch(world) -> list[OutboxMessage]:
    """Three messages queued together; the worker dies while sending the second."""
    return [
        outbox_enqueue(
            organization=world.org,
            key=f"batch:{n}",
            recipient=f"customer{n}@example.org",
            subject=("[kill] " if n == 1 else "") + f"Message {n}",
            body="Body",
            kind="case_report",
            deliver=False,
        )
        for n in range(3)
    ]


def statuses() -> dict[str, str]:
    return dict(OutboxMessage.objects.order_by("key").values_list("key", "status"))


def sent_to() -> list[str]:
    return [message.to[0] for message in mail.outbox]


def make_stale() -> None:
    """The killed worker's claim grows older than the lease, as if its time had passed."""
    OutboxMessage.objects.filter(status=OutboxStatus.SENDING).update(
        claimed_at=timezone.now() - timedelta(seconds=LEASE + 1)
    )


@override_settings(EMAIL_BACKEND=KILLED_MID_BATCH, OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS=LEASE)
def test_a_message_held_by_a_killed_worker_is_retried_after_the_lease_and_a_recorded_one_is_not(batch):
    with pytest.raises(WorkerKilled):
        outbox_deliver_many(message_ids=[message.pk for message in batch])
    # The first was sent and recorded; the second was in flight and the third claimed, neither recorded.
    assert sent_to() == ["customer0@example.org"]
    assert statuses() == {"batch:0": "sent", "batch:1": "sending", "batch:2": "sending"}

    # Within the lease nobody takes them: the first worker might still be sending.
    assert outbox_deliver_due() == 0

    make_stale()
    OutboxMessage.objects.filter(key="batch:1").update(subject="Message 1")  # the new worker is not killed
    assert outbox_deliver_due() == 2
    assert sent_to() == ["customer0@example.org", "customer1@example.org", "customer2@example.org"]
    assert statuses() == {"batch:0": "sent", "batch:1": "sent", "batch:2": "sent"}

    # Later sweeps, past any lease, send nothing again.
    make_stale()
    assert outbox_deliver_due() == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_a_sent_message_is_recorded_in_its_own_commit(world):
    # On PostgreSQL this commit does not wait for the disk (ADR 0016); it is still the server's at once.
    message = outbox_enqueue(
        organization=world.org, key="alone", recipient="c@example.org", subject="Hi", body="Body", kind="case_report"
    )
    assert outbox_deliver_many(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.claimed_at is None and message.sent_at is not None


@pytest.mark.parametrize(("group", "messages", "marks"), [(8, 10, 2), (1, 5, 5)])
def test_sending_costs_a_claim_and_a_read_per_chunk_and_a_statement_per_group_of_marks(
    world, settings, django_assert_num_queries, group, messages, marks
):
    settings.OTKLIK_OUTBOX_SENT_GROUP = group
    queued = [
        outbox_enqueue(
            organization=world.org,
            key=f"count:{n}",
            recipient=f"c{n}@example.org",
            subject="Hi",
            body="Body",
            kind="case_report",
            deliver=False,
        )
        for n in range(messages)
    ]
    # The claim (one UPDATE … RETURNING), the rows, then one mark per group of sent messages.
    with django_assert_num_queries(1 + 1 + marks):
        assert outbox_deliver_many(message_ids=[message.pk for message in queued]) == messages
    assert set(statuses().values()) == {"sent"}


def test_a_tasks_messages_are_claimed_and_read_once(world, settings, django_assert_num_queries):
    # A dispatch batch's task holds up to 200 messages: one claim and one read for all of them, then a mark per
    # group of sent messages (it was a claim and a read per 50: four of each for a full task).
    settings.OTKLIK_OUTBOX_SENT_GROUP = 8
    queued = [
        outbox_enqueue(
            organization=world.org,
            key=f"task:{n}",
            recipient=f"c{n}@example.org",
            subject="Hi",
            body="Body",
            kind="case_report",
            deliver=False,
        )
        for n in range(200)
    ]
    with django_assert_num_queries(1 + 1 + 200 // 8):
        assert outbox_deliver_many(message_ids=[message.pk for message in queued]) == 200
    assert set(statuses().values()) == {"sent"}
