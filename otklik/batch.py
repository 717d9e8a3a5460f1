"""One batch of background work: reads kept for the batch, inserts and after-commit tasks gathered for it.

The worker processes pending answers a batch at a time (decision 0030). Per answer the rules engine, the
complaint flow and the alerts read the same things again (the organization's rules, its people's alert
channels and languages, who may see a case) and each write a row or queue a task of their own. Inside
`batch()` those reads are made once per batch, the rule runs and case events are inserted together at the end,
and the tasks queued after the commit (delivery, tagging) become one task per batch. Outside a batch every
helper here does the plain thing at once, so the API, imports and tests behave as before.

Each item of the batch runs inside `item()`: what it gathered joins the batch only when it succeeds, so an
item rolled back to its savepoint leaves no insert or task behind. Reads kept are only ever reads: a value
computed inside an item that is then rolled back is still true of the database.

A batch is first run without savepoints (`batch(careful=False)`, decision 0040): its items, the rules' actions and
the queued messages then take none (`savepoints()` is False), and anything that raises rolls the whole batch back
for the caller to run it again with them (`careful=True`), where a failing item or action is rolled back alone as
before. Savepoints were six statements of a complaint's ten; the careful run is only for a batch that has a
failure in it, so what it commits is what the careful run alone would commit.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.db import connection, models

from otklik.rows import insert_many

T = TypeVar("T")


@dataclass
class _Batch:
    reads: dict[tuple, Any] = field(default_factory=dict)
    inserts: list[models.Model] = field(default_factory=list)
    gathered: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    # The current item's own share, joined to the batch's when the item succeeds.
    item_inserts: list[models.Model] | None = None
    item_gathered: dict[str, list] | None = None
    # With savepoints (an item or action that fails is rolled back alone), or without (a failure undoes the batch).
    careful: bool = True
    # Ids taken from a table's sequence for rows inserted at the end (`insert_later_with_id`), per model.
    ids: dict[type[models.Model], list[int]] = field(default_factory=dict)
    # The tables (quoted as in the SQL) of rows given an id but not inserted yet that statements may read or change
    # (`insert_later_with_id(..., touched=True)`): the first statement that names one inserts them first.
    touched: dict[str, type[models.Model]] = field(default_factory=dict)
    # How many ids the next take from a model's sequence takes, where the batch said (`ids_expected`).
    take: dict[type[models.Model], int] = field(default_factory=dict)


_current: ContextVar[_Batch | None] = ContextVar("otklik_batch", default=None)


@contextmanager
def batch(*, careful: bool = True) -> Iterator[None]:
    """Open a batch for this thread; the caller flushes it (`batch_flush`, `batch_gathered`) before leaving.

    `careful=False`: the items take no savepoints (`savepoints()`), so any failure inside must undo the whole
    batch; the caller then runs it again carefully.
    """
    current = _Batch(careful=careful)
    token = _current.set(current)
    try:
        with connection.execute_wrapper(partial(_inserted_before_named, current)):
            yield
    finally:
        _current.reset(token)


def _inserted_before_named(current: _Batch, execute, sql, params, many, context):
    # A statement that names a table with rows waiting in the batch (`insert_later_with_id(..., touched=True)`)
    # runs after they are inserted, so it reads and updates them as it would have had each been inserted at
    # once: a case's "case opened" rule that reassigns it, its automatic thank-you that marks it thanked.
    if current.touched and isinstance(sql, str):
        for table in [table for table in current.touched if table in sql]:
            _insert_now(current, current.touched.pop(table))
    return execute(sql, params, many, context)


def _insert_now(current: _Batch, model: type[models.Model]) -> None:
    """Insert the batch's waiting rows of `model` now (the current item's too), in the order they came."""
    rows = [row for row in current.inserts if type(row) is model]
    current.inserts = [row for row in current.inserts if type(row) is not model]
    if current.item_inserts is not None:
        rows += [row for row in current.item_inserts if type(row) is model]
        current.item_inserts[:] = [row for row in current.item_inserts if type(row) is not model]
    insert_many(rows)


@contextmanager
def item() -> Iterator[None]:
    """One item of the batch: its inserts and gathered values count only if the block ends without an error."""
    current = _current.get()
    if current is None:
        yield
        return
    current.item_inserts, current.item_gathered = [], defaultdict(list)
    try:
        yield
        current.inserts.extend(current.item_inserts)
        for key, values in current.item_gathered.items():
            current.gathered[key].extend(values)
    finally:
        current.item_inserts = current.item_gathered = None


def in_batch() -> bool:
    return _current.get() is not None


def savepoints() -> bool:
    """Whether a step that may fail takes a savepoint and records its failure (True), or lets it raise and undo
    the batch (False: inside a batch run without savepoints). Use as `transaction.atomic(savepoint=savepoints())`.
    """
    current = _current.get()
    return current is None or current.careful


def once_per_batch(key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, kept under `key` for the rest of the batch; outside a batch, `compute()` every time."""
    current = _current.get()
    if current is None:
        return compute()
    if key not in current.reads:
        current.reads[key] = compute()
    return current.reads[key]


def remember(key: tuple, value: object) -> None:
    """Say what a read under `key` would now find (a write of this batch changed it); no-op outside a batch."""
    current = _current.get()
    if current is not None:
        current.reads[key] = value


def insert_later(row: models.Model) -> models.Model:
    """Insert the row with the batch's others at its end (`batch_flush`), or now outside a batch.

    Only for rows nothing in the batch reads back or points at (rule runs, case events).
    """
    current = _current.get()
    if current is None or current.item_inserts is None:
        row.save(force_insert=True)
    else:
        current.item_inserts.append(row)
    return row


def insert_later_with_id(row: models.Model, *, touched: bool = False) -> bool:
    """In a batch run without savepoints on PostgreSQL: give the unsaved row its id now, from its table's sequence,
    and insert it with the batch's others at its end (`batch_flush`). False anywhere else: the caller saves it.

    Without `touched`, only for rows nothing in the batch reads back from the database or updates (the outbox's
    messages: their id goes to the delivery task after the commit). With it (a new case, which its rules may
    reassign and its thank-you mark thanked), the first statement of the batch that names the row's table inserts
    the waiting rows of that table first. The ids are taken `IDS_AT_ONCE` at a time in one statement; those left
    unused are gaps in the sequence, as a rolled-back insert leaves.
    """
    current = _current.get()
    if current is None or current.careful or current.item_inserts is None or connection.vendor != "postgresql":
        return False
    model = type(row)
    free = current.ids.setdefault(model, [])
    if not free:
        count = current.take.get(model, IDS_AT_ONCE)
        if model in current.take:
            current.take[model] = 1  # beyond what the batch expected, one at a time
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            free.extend(sorted((row_id for (row_id,) in cursor.fetchall()), reverse=True))
    row.pk = free.pop()
    row._state.db = connection.alias
    current.item_inserts.append(row)
    if touched:
        current.touched[connection.ops.quote_name(model._meta.db_table)] = model
    return True


# How many ids `insert_later_with_id` takes from a sequence at once: a claim's alerts, in one statement.
IDS_AT_ONCE = 100


def ids_expected(model: type[models.Model], count: int) -> None:
    """Say how many rows of `model` the batch expects to give ids (`insert_later_with_id`): its first take from the
    sequence takes that many (at least one), any later take one, so a table whose ids people see (a case's number)
    is left no run of unused ones. No-op outside a batch."""
    current = _current.get()
    if current is not None:
        current.take[model] = max(1, count)


def gather(key: str, values: list) -> bool:
    """Add values to the batch's list under `key` (ids for one task after the commit); False outside an item."""
    current = _current.get()
    if current is None or current.item_gathered is None:
        return False
    current.item_gathered[key].extend(values)
    return True


def batch_gathered(key: str) -> list:
    """What the batch's successful items gathered under `key`."""
    current = _current.get()
    return list(current.gathered.get(key, [])) if current is not None else []


def batch_flush() -> None:
    """Insert the rows the successful items left for later, one INSERT per model, in the order they came."""
    current = _current.get()
    if current is None:
        return
    current.touched.clear()  # inserted below, before any later statement
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in current.inserts:
        by_model.setdefault(type(row), []).append(row)
    for rows in by_model.values():
        insert_many(rows)
    current.inserts = []
