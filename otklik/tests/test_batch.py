"""`otklik.batch`: reads kept, inserts and tasks gathered for one batch of the worker's work (decision 0030).

An item that fails leaves nothing of its own behind; outside a batch every helper does the plain thing at once.
"""

import pytest

from otklik.batch import (
    batch,
    batch_flush,
    batch_gathered,
    gather,
    in_batch,
    insert_later,
    item,
    once_per_batch,
    remember,
)
from otklik.cases.models import CaseEvent
from otklik.testing import factories


def test_outside_a_batch_every_read_is_made_and_nothing_is_gathered():
    calls = []
    assert not in_batch()
    assert once_per_batch(("k",), lambda: calls.append(1) or len(calls)) == 1
    assert once_per_batch(("k",), lambda: calls.append(1) or len(calls)) == 2
    assert gather("ids", [1]) is False
    assert batch_gathered("ids") == []


def test_a_read_is_made_once_per_batch_and_a_new_batch_reads_again():
    calls = []

    def read():
        calls.append(1)
        return len(calls)

    with batch():
        assert [once_per_batch(("k",), read) for _ in range(3)] == [1, 1, 1]
        remember(("k",), 7)
        assert once_per_batch(("k",), read) == 7
    with batch():
        assert once_per_batch(("k",), read) == 2


def test_a_failed_item_leaves_no_gathered_value_and_no_insert(db, world):
    case = factories.make_case(location=world.store)
    before = CaseEvent.objects.filter(case=case).count()
    with batch():
        with item():
            gather("ids", [1, 2])
            insert_later(CaseEvent(case=case, step="new", note="kept"))
        with pytest.raises(RuntimeError), item():
            gather("ids", [3])
            insert_later(CaseEvent(case=case, step="new", note="dropped"))
            raise RuntimeError("rolled back")
        assert CaseEvent.objects.filter(case=case).count() == before  # not yet: at the flush
        assert batch_gathered("ids") == [1, 2]
        batch_flush()
    notes = list(CaseEvent.objects.filter(case=case).values_list("note", flat=True))
    assert "kept" in notes and "dropped" not in notes
    assert len(notes) == before + 1


def test_outside_an_item_a_row_is_inserted_at_once(db, world):
    case = factories.make_case(location=world.store)
    before = CaseEvent.objects.filter(case=case).count()
    insert_later(CaseEvent(case=case, step="new", note="now"))
    assert CaseEvent.objects.filter(case=case).count() == before + 1


def test_a_batch_says_whether_it_takes_savepoints():
    from otklik.batch import savepoints

    assert savepoints()  # outside a batch: the plain thing
    with batch():
        assert savepoints()
    with batch(careful=False):
        assert not savepoints()


def test_a_row_gets_its_id_now_and_is_inserted_at_the_flush_only_in_a_batch_without_savepoints(db, world):
    from django.db import connection
    from django.utils import timezone

    from otklik.batch import insert_later_with_id
    from otklik.messaging.models import OutboxMessage

    def message(key):
        return OutboxMessage(
            organization=world.org,
            key=key,
            recipient="a@example.org",
            subject="s",
            body="b",
            kind="case_alert",
            next_attempt_at=timezone.now(),
        )

    assert not insert_later_with_id(message("outside"))
    with batch(), item():
        assert not insert_later_with_id(message("careful"))
    with batch(careful=False):
        with item():
            later = message("later")
            taken = insert_later_with_id(later)
        if connection.vendor != "postgresql":
            assert not taken  # no sequence to take ids from: the caller saves the row itself
            return
        assert taken and later.pk is not None
        assert not OutboxMessage.objects.filter(pk=later.pk).exists()
        batch_flush()
    assert OutboxMessage.objects.get(pk=later.pk).key == "later"


def test_the_flush_inserts_as_bulk_create_did_in_one_statement_per_model_and_kind(db, world):
    """`batch_flush` writes with `rows.insert_many` (decision 0060): a row without an id gets the id the table
    gave it, a row with one keeps it, `auto_now_add` is filled in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from otklik.messaging.models import OutboxMessage
    from otklik.rows import insert_many

    case = factories.make_case(location=world.store)
    events = [CaseEvent(case=case, step="new", note=f"event {n}") for n in range(3)]
    given = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    messages = [
        OutboxMessage(
            pk=given + 1000 + n,
            organization=world.org,
            key=f"insert-many-{n}",
            recipient="a@example.org",
            subject="s",
            body="b",
            kind="case_alert",
            case=case,
            next_attempt_at=timezone.now(),
        )
        for n in range(2)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_many(events)
        insert_many(messages)
        insert_many([])
    assert len(queries) == 2
    for event in events:
        assert event.pk is not None and not event._state.adding
        stored = CaseEvent.objects.get(pk=event.pk)
        assert (stored.case_id, stored.note, stored.created_at) == (case.pk, event.note, event.created_at)
        assert stored.created_at is not None
    assert len({event.pk for event in events}) == 3
    assert sorted(OutboxMessage.objects.filter(key__startswith="insert-many-").values_list("pk", flat=True)) == [
        given + 1000,
        given + 1001,
    ]


def test_a_touched_row_waiting_for_the_flush_is_inserted_before_the_first_statement_that_names_its_table(db, world):
    """Decision 0082: a row given its id early with `touched=True` (a claim's new case) is there for whatever the
    batch reads or updates next; its table's rows go in one statement; a statement naming another table (even one
    whose name begins with it) leaves them waiting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from otklik.batch import ids_expected, insert_later_with_id
    from otklik.cases.models import Case

    if connection.vendor != "postgresql":
        pytest.skip("ids from a sequence: PostgreSQL only")

    def case(content):
        return Case(organization=world.org, location=world.store, content=content, created_at=timezone.now())

    with batch(careful=False):
        ids_expected(Case, 2)
        with item():
            first, second = case("first"), case("second")
            with CaptureQueriesContext(connection) as taken:
                assert insert_later_with_id(first, touched=True) and insert_later_with_id(second, touched=True)
        assert len(taken) == 1 and second.pk == first.pk + 1  # two ids, one statement
        with item():
            with CaptureQueriesContext(connection) as other:
                assert CaseEvent.objects.filter(case_id=first.pk).count() == 0
            assert len(other) == 1  # "cases_caseevent" is not "cases_case": nothing inserted yet
            with CaptureQueriesContext(connection) as named:
                assert Case.objects.filter(pk=second.pk).update(content="changed") == 1
        assert len(named) == 2  # both waiting cases in one INSERT, then the UPDATE that finds one
        with item():
            third = case("third")
            with CaptureQueriesContext(connection) as beyond:
                assert insert_later_with_id(third, touched=True)
        assert len(beyond) == 1 and third.pk == second.pk + 1  # beyond the expected: one id more, no run
        batch_flush()
    assert list(Case.objects.order_by("pk").values_list("content", flat=True)) == ["first", "changed", "third"]
