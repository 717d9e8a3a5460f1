"""The outbox's indexes: what sending writes into them, and every query that reads the outbox by one.

Each message is written three times (queued, claimed, marked sent). A status change is not a HOT update, so each
write inserts an entry into every index whose condition the row meets: the partial indexes keep a sent mark and a
message without a case out of them (decision 0081).
"""

from datetime import UTC, datetime

import pytest
from django.db import connection

from otklik.messaging.models import UNFINISHED, OutboxMessage
from otklik.messaging.services import _claimable
from otklik.testing.plans import indexes, plan, unindexed_foreign_keys

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def test_every_foreign_key_of_a_message_leads_an_index():
    assert unindexed_foreign_keys(OutboxMessage) == []


def test_a_sent_message_and_one_without_a_case_are_indexed_only_where_the_queries_look():
    found = indexes(OutboxMessage)
    assert "WHERE (case_id IS NOT NULL)" in found["outbox_case"]
    assert all(f"'{status}'" in found["outbox_unfinished"] for status in UNFINISHED)
    assert "'sent'" not in found["outbox_unfinished"] and "'suppressed'" not in found["outbox_unfinished"]
    # No index of the whole table on the status or the case any more.
    assert not [name for name, definition in found.items() if "(case_id)" in definition and "WHERE" not in definition]
    assert not [name for name, definition in found.items() if "(status" in definition and "WHERE" not in definition]


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        # The outbox sweep: due messages and those whose worker died mid-send.
        (lambda: OutboxMessage.objects.filter(_claimable(MOMENT)), "outbox_unfinished"),
        # The health page: the oldest due message, and the counts of the unfinished.
        (lambda: OutboxMessage.objects.filter(status="pending", next_attempt_at__lte=MOMENT), "outbox_unfinished"),
        (lambda: OutboxMessage.objects.filter(status__in=UNFINISHED).values("status"), "outbox_unfinished"),
        # A case's messages, and deleting a case (SET_NULL) finds its messages by index.
        (lambda: OutboxMessage.objects.filter(organization_id=1, case_id=7), "outbox_case"),
        (lambda: OutboxMessage.objects.filter(case_id__in=[1, 2]), "outbox_case"),
    ],
)
def test_the_queries_on_the_outbox_still_use_an_index(queryset, index):
    assert index in plan(queryset())
