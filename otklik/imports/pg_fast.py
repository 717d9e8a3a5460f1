"""The PostgreSQL fast path for purchases: COPY each chunk of order lines into a staging table, then set-based upserts.

Each chunk is validated with the same validator as the ORM path and its clean values
COPYed into a temporary table; a few statements then store it: the customers and
products it names that are not stored yet (from the inline columns; the last
non-empty value of each wins, as in customers.services), the orders (one per
external id, from its lines: each of customer, date, currency and place from the first line that has it; the status,
amount and deciding product as customers.services computes them) with INSERT … ON
CONFLICT DO UPDATE … WHERE something changed, then the lines keyed by (order, line
number), so a second import of the same file writes nothing. An order whose lines
fall in several chunks (or are scattered over the file) is recognised by a table of
the orders this import has seen: its later lines are appended and its figures
recomputed from all of them. The orders stored or changed are returned into a
temporary table, from which the invitation hook schedules (or withdraws) set-based
(intake.purchases.purchases_changed_in_table). A forked child process reads and
validates while this one writes. A bad row stops the writing (the rest is still
checked, for the report) and the whole transaction is rolled back. An order sent again
as the last import stored it is left out by the child before validation and only
counted (imports/raw_orders.py).

The parts live apart, each to be read in one sitting: the temporary tables' names and the SQL
fragments the statements share (pg_fast_sql), the statements that store a chunk and check the
import's end (pg_fast_statements), and the validator process with its staging rows
(pg_fast_validator). This module holds the writer: one chunk's writing and the whole import.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.customers.models import Customer, Product, Purchase, PurchaseLine
from otklik.imports.pg_fast_sql import (
    CHANGED,
    KNOWN_CUSTOMERS,
    LEFT_OUT,
    ORDERS,
    RANDOM_PAGE_COST,
    SEEN,
    STAGING,
    STAGING_COLUMNS,
    STAGING_STATISTICS,
    WORK_MEM,
    _last_nonempty,
    _q,
)
from otklik.imports.pg_fast_statements import (
    _check_left_out,
    _chunk_orders,
    _continue_orders,
    _create_missing,
    _drop_stale_lines,
    _products_digest,
    _remember_orders,
    _upsert_orders_and_lines,
)
from otklik.imports.pg_fast_validator import _staging_row as _staging_row
from otklik.imports.pg_fast_validator import _validated as _validated
from otklik.imports.pg_fast_validator import _validator
from otklik.imports.pg_fast_validator import staging_rows as staging_rows
from otklik.imports.raw_orders import RawOrders, stored_raw_digests
from otklik.imports.services import DateCheck, ImportReport, Progress
from otklik.intake import purchases as intake


def _raw_orders(cursor, organization: Organization, clean: Callable[[dict], dict], clock: "_Clock") -> RawOrders | None:
    """What the validator process needs to leave out the orders sent again unchanged and give the others' raw digests.

    None for a cleaner that does not say what it depends on. With nothing stored, nothing is left
    out, but the raw digests are still made, to be stored.
    """
    settings = getattr(clean, "raw_settings", None)
    if settings is None:
        return None
    stored = stored_raw_digests(cursor, organization_id=organization.pk)
    products = _products_digest(cursor, organization_id=organization.pk)
    clock.lap("reading the stored raw digests")
    return RawOrders(settings=f"{settings}:{products}", stored=stored, fill=clean.fill)


def _notify_changed(organization: Organization, *, changed: int) -> None:
    """Hand the chunk's stored or changed purchases to the invitation hook, inside the transaction.

    The hook reads them from the temporary table the upsert filled: no ids travel to Python and back.
    """
    if changed:
        intake.purchases_changed_in_table(organization=organization, table=CHANGED)


def _purchase_foreign_keys(cursor) -> list[str]:
    cursor.execute(
        "SELECT quote_ident(conname) FROM pg_constraint "
        "WHERE conrelid = ANY(ARRAY[%s::regclass, %s::regclass]) AND contype = 'f' AND condeferred",
        [Purchase._meta.db_table, PurchaseLine._meta.db_table],
    )
    return [row[0] for row in cursor.fetchall()]


@dataclass
class _WriteState:
    """What one chunk's writing leaves for the next."""

    had_purchases: bool  # the organization had purchases before this import: some may come again unchanged
    products_digest: str  # the products' settings that decide orders' products, in every order's digest
    analyzed: bool = False  # the customers' and products' statistics were refreshed


def _write_chunk(
    cursor,
    organization: Organization,
    payload: tuple[bytes, bytes, int],
    report: ImportReport,
    clock: "_Clock",
    state: _WriteState,
) -> None:
    """Stage one validated chunk and store it: new customers and products first, then the purchases.

    The orders the validator process left out as unchanged (imports.raw_orders) are only counted,
    and kept for the check at the end (_check_left_out).
    """
    payload, left_out, left_out_count = payload
    if left_out_count:
        with cursor.copy(f"COPY {LEFT_OUT} (external_id, customer, raw) FROM STDIN (FORMAT csv)") as copy:
            copy.write(left_out)
        report.unchanged += left_out_count
        clock.lap("orders left out by their raw digest")
    if not payload:
        return
    cursor.execute(f"TRUNCATE {STAGING}, {CHANGED}, {ORDERS}, {KNOWN_CUSTOMERS}")
    columns = ", ".join(name for name, _type in STAGING_COLUMNS)
    nullable = ", ".join(name for name, kind in STAGING_COLUMNS if not kind.startswith("text"))
    with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT csv, FORCE_NULL ({nullable}))") as copy:
        copy.write(payload)
    # Fresh statistics for the staged rows, so the planner sizes the joins below right: the row
    # count and the keys they join and group on, and `pos`, whose first lines are the orders' heads (the
    # other columns' statistics would go unused).
    cursor.execute(f"ANALYZE {STAGING} (external_id, customer_external_id, product_external_id, pos)")
    clock.lap("COPY to staging")
    now = timezone.now()
    created = _create_missing(
        cursor,
        Customer,
        organization_id=organization.pk,
        key="customer_external_id",
        where="s.customer_external_id <> ''",
        given={
            "name": f"COALESCE({_last_nonempty('c_name')}, '')",
            "email": f"COALESCE({_last_nonempty('c_email')}, '')",
            "phone": f"COALESCE({_last_nonempty('c_phone')}, '')",
            "language": f"COALESCE({_last_nonempty('c_language')}, '')",
        },
        now=now,
        remember=KNOWN_CUSTOMERS,
    )
    new_products = _create_missing(
        cursor,
        Product,
        organization_id=organization.pk,
        key="product_external_id",
        given={"name": f"COALESCE({_last_nonempty('p_name')}, s.product_external_id)"},
        now=now,
    )
    created += new_products
    if created and not state.analyzed:
        # Statistics taken while the organization had no customers (its first import, or just
        # after an ANALYZE) make a key lookup look as cheap through any index that starts with
        # the organization, then filter by external id: a scan of all its customers per row,
        # minutes a chunk. Once counted with the rows made here (uncommitted rows of this
        # transaction count), only the unique index is cheap. Once per import is enough. `erased_at` too:
        # without its statistics, the invitation hook's check for erased customers (once per chunk) was
        # planned as a scan of all the organization's customers rather than of the partial index of the
        # erased ones (`customer_erased`), a read that grew with each chunk.
        cursor.execute(f"ANALYZE {_q(Customer._meta.db_table)} (organization_id, erased_at)")
        cursor.execute(f"ANALYZE {_q(Product._meta.db_table)} (organization_id)")
        state.analyzed = True
    clock.lap("new customers and products")
    # A product made now has no stored line yet, but one renamed since the last import would have its lines
    # looked up anew: a chunk that makes products compares its orders line by line.
    distinct, orders = _chunk_orders(
        cursor,
        organization_id=organization.pk,
        products_digest=state.products_digest,
        compare=state.had_purchases and not new_products,
        first=not state.had_purchases,
    )
    lines_only = _upsert_orders_and_lines(
        cursor, organization_id=organization.pk, now=now, skip_unchanged=state.had_purchases
    )
    cursor.execute(f"SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM {CHANGED}")
    created, updated = cursor.fetchone()
    clock.lap("orders and lines upsert")
    changed = created + updated
    if distinct < orders:
        _continue_orders(cursor, organization_id=organization.pk, now=now)
        cursor.execute(f"SELECT count(*) FROM {CHANGED}")  # with the continued orders it changed
        changed = cursor.fetchone()[0]
    _remember_orders(cursor)
    # Counted once, in the chunk where an order first appears; one whose lines alone changed was updated.
    report.created += created
    report.updated += updated + lines_only
    report.unchanged += distinct - created - updated - lines_only
    clock.lap("orders continued from earlier chunks")
    _notify_changed(organization, changed=changed)
    clock.lap("invitation hook")


def purchases_import_pg(
    *,
    organization: Organization,
    chunks: Iterator[list[tuple[int, dict]]],
    clean: Callable[[dict], dict],
    progress: Progress,
    by_raw_digest: bool = True,
    dates: DateCheck | None = None,
) -> ImportReport:
    """Check and store a purchases file on PostgreSQL, all or nothing (see the module's docstring).

    With `by_raw_digest`, the orders sent again as the last import stored them are left out
    before validation (imports.raw_orders); raises Reread when that turns out wrong for one,
    having written nothing: the caller imports the file again without it. With `dates`, the chunks
    count the date column into `dates.tally` as they are read, and the format is confirmed once
    every row was read (DateFormatChanged, nothing kept, when the whole column says another).

    A child process reads and validates the next chunk while this one waits for
    PostgreSQL to store the last, so the Python work and the database's overlap.
    The purchases' foreign keys are checked per statement, not all at the commit,
    for the same reason. Chunks are stored as the ORM path stores them: one after
    another, a later copy of a purchase updating an earlier one.
    """
    report = ImportReport(kind="purchases")
    clock = _Clock(report)
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        _validator(
            chunks,
            clean,
            _raw_orders(cursor, organization, clean, clock) if by_raw_digest else None,
            dates.tally if dates is not None else None,
        ) as next_chunk,
    ):
        # Dropped first: inside an outer transaction (tests) ON COMMIT DROP has not fired yet.
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        for table in [CHANGED, ORDERS, SEEN, LEFT_OUT, KNOWN_CUSTOMERS]:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGING} ({', '.join(f'{n} {t}' for n, t in STAGING_COLUMNS)}) ON COMMIT DROP"
        )
        for column in ["external_id", "customer_external_id", "product_external_id", "pos"]:
            cursor.execute(f"ALTER TABLE {STAGING} ALTER COLUMN {column} SET STATISTICS {STAGING_STATISTICS}")
        # Room for the chunks' sorts and hashes in memory; for this transaction only.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # Compiling a chunk's statements (their estimated cost passes jit_above_cost) took
        # 40–50 ms each, more than the compiled code saved on 25 000 rows.
        cursor.execute("SET LOCAL jit = off")
        # The foreign-key checks of each stored line are planned with the session's costs, once: with
        # the default random_page_cost (4, a spinning disk's) a few hundred products look cheaper to
        # scan than to look up in their primary key, and each line's check read them all (17 µs a
        # line against 7 µs by the key, a third of the first import's time in checks).
        cursor.execute(f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}")
        # No key: the upserts return each order once, and the table is emptied per chunk.
        cursor.execute(
            f"CREATE TEMP TABLE {CHANGED} (id bigint, created boolean, customer_id bigint, product_id bigint, "
            'purchased_at timestamptz, status text, external_id text COLLATE "C", employee_name text) ON COMMIT DROP'
        )
        cursor.execute(
            f'CREATE TEMP TABLE {ORDERS} (external_id text COLLATE "C", id bigint, start integer, lines integer, '
            "rank smallint, continued boolean, digest uuid, raw uuid, same boolean) ON COMMIT DROP"
        )
        cursor.execute(
            f'CREATE TEMP TABLE {SEEN} (external_id text COLLATE "C" PRIMARY KEY, id bigint, lines integer, '
            "rank smallint, same boolean) ON COMMIT DROP"
        )
        cursor.execute(f"CREATE TEMP TABLE {LEFT_OUT} (external_id text, customer text, raw uuid) ON COMMIT DROP")
        # Never analysed: the planner sizes it by its pages when it plans each statement, the chunk's real size.
        cursor.execute(f"CREATE TEMP TABLE {KNOWN_CUSTOMERS} (external_id text, id bigint) ON COMMIT DROP")
        foreign_keys = _purchase_foreign_keys(cursor)
        if foreign_keys:
            cursor.execute(f"SET CONSTRAINTS {', '.join(foreign_keys)} IMMEDIATE")
        state = _WriteState(
            had_purchases=Purchase.objects.filter(organization=organization).exists(),
            products_digest=_products_digest(cursor, organization_id=organization.pk),
        )
        while (item := next_chunk()) is not None:
            clock.lap("reading and validating (not overlapped)")
            chunk_report, payload = item
            report.rows += chunk_report.rows
            report.skipped += chunk_report.skipped
            report.anonymous += chunk_report.anonymous
            for row, reasons in chunk_report.errors:
                report.add_error(row, reasons)
            report.errors_total += chunk_report.errors_total - len(chunk_report.errors)
            if report.ok:
                _write_chunk(cursor, organization, payload, report, clock, state)
            progress("importing" if report.ok else "checking", report.rows)
        if dates is not None:
            # Before the commit, and before a bad file's reasons are reported: they must be the right format's.
            dates.confirm()
        if not report.ok:
            transaction.set_rollback(True)
            return report
        if by_raw_digest and state.had_purchases:
            _check_left_out(cursor, organization_id=organization.pk)
            clock.lap("orders left out by their raw digest")
        if state.had_purchases:
            _drop_stale_lines(cursor)
            clock.lap("lines no longer in the file")
        if foreign_keys:
            cursor.execute(f"SET CONSTRAINTS {', '.join(foreign_keys)} DEFERRED")
        report.written = True
    clock.lap("commit")
    return report


class _Clock:
    """Seconds per phase, summed over the chunks, for the benchmark's breakdown."""

    def __init__(self, report: ImportReport):
        self.report, self.last = report, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.report.timings[name] = self.report.timings.get(name, 0.0) + now - self.last
        self.last = now
