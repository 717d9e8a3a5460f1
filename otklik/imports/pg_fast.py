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
"""

import csv
import gc
import io
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from django.db import connection, transaction
from django.utils import timezone, translation

from otklik.accounts.models import Organization
from otklik.customers import services as customers
from otklik.customers.models import Customer, OrderStatus, Product, Purchase, PurchaseLine
from otklik.imports.cleaning import DateTally
from otklik.imports.raw_orders import RawOrders, Reread, stored_raw_digests
from otklik.imports.services import DateCheck, ImportReport, Progress, validate_chunk
from otklik.intake import purchases as intake

STAGING = "otklik_import_staging"
CHANGED = "otklik_import_changed"
ORDERS = "otklik_import_orders"  # the chunk's orders: id, lines stored by earlier chunks, whether continued
LEFT_OUT = "otklik_import_left_out"  # the orders left out as unchanged by their raw digest, checked at the end
SEEN = "otklik_import_seen"  # every order this import stored lines of, with how many and its strongest marker
_FORK = multiprocessing.get_context("fork")
WORK_MEM = "64MB"
RANDOM_PAGE_COST = 1.1  # an SSD's, the usual advice; see purchases_import_pg
# Statistics of the staged keys from a sample of 3 000 rows (the default, 30 000, read a whole chunk):
# enough to size the joins and groups, a tenth of the per-chunk ANALYZE.
STAGING_STATISTICS = 10
BYTES = 'COLLATE "C"'  # [line, value] arrays compared byte by byte: see _last_nonempty
# And the value taken from such an array back in the default collation: compared in "C" with a
# stored id, it could not use the unique index (a scan of all the customers per order).
UNBYTES = 'COLLATE "default"'
STAGING_COLUMNS = [
    ("line", "integer"),
    # Byte order ("C"): the chunk's orders are sorted and grouped by it several times, and the
    # database's language collation made each sort three times slower. Compared with stored ids
    # only through _by_external_id, which says the default collation.
    ("external_id", 'text COLLATE "C"'),
    ("customer_external_id", "text"),
    ("product_external_id", "text"),
    ("quantity", "numeric(14,3)"),
    ("unit_price", "numeric(16,4)"),
    ("amount", "numeric(14,2)"),
    ("currency", "text"),
    ("purchased_at", "timestamptz"),
    ("location_id", "bigint"),
    ("employee_name", "text"),
    ("rank", "smallint"),  # the line's status marker: 0 none, 1 returned, 2 cancelled (services.MARK_RANK)
    ("c_name", "text"),
    ("c_email", "text"),
    ("c_phone", "text"),
    ("c_language", "text"),
    ("p_name", "text"),
    # The line's place among its order's lines in this chunk (1, 2, …), counted by the validator process:
    # the stored line number (after those earlier chunks stored) and part of the order's digest.
    ("pos", "integer"),
    # The order's raw digest (imports.raw_orders; hex, on its first line only), or empty: stored with it.
    ("raw", 'text COLLATE "C"'),
    # On an order's first line in the chunk only (`pos` 1): the first non-empty customer, place and seller
    # among its lines in the chunk, found by the validator process (see staging_rows and _head).
    ("head_customer", "text"),
    ("head_location_id", "bigint"),
    ("head_employee", "text"),
]
# The staged columns an order's digest covers, with `pos`: everything its stored fields and lines are made
# from (not the file's line number, nor the inline names and contacts, which only new customers and
# products take).
DIGEST_COLUMNS = [
    "pos",
    "customer_external_id",
    "product_external_id",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "purchased_at",
    "location_id",
    "employee_name",
    "rank",
]
# The order and line fields the upsert compares and sets: the API upsert's own lists, so both paths store the same.
PURCHASE_COLUMNS = customers.PURCHASE_FIELDS
LINE_COLUMNS = customers.LINE_FIELDS
COMPLETED, CANCELLED, RETURNED = (OrderStatus.COMPLETED.value, OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value)


def _staging_row(line: int, clean: dict) -> tuple:
    inline = clean["customer"] or {}
    return (
        line,
        clean["external_id"],
        clean["customer_external_id"] if clean["customer"] else "",
        clean["product_external_id"],
        clean["quantity"],
        clean["unit_price"],
        clean["amount"],
        clean["currency"],
        clean["purchased_at"],
        clean["location_id"],
        clean["employee_name"],
        customers.MARK_RANK[clean["mark"]],
        inline.get("name", ""),
        inline.get("email", ""),
        inline.get("phone", ""),
        inline.get("language", ""),
        clean["product"]["name"],
    )


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _defaults(model, given: list[str], now) -> tuple[list[str], list]:
    """Columns not given and the values Django would store for them (defaults, NULL, now for auto dates)."""
    columns, values = [], []
    for item in model._meta.concrete_fields:
        if item.primary_key or item.column in given:
            continue
        if getattr(item, "auto_now", False) or getattr(item, "auto_now_add", False):
            value = now
        elif item.null and not item.has_default():
            value = None
        else:  # the field's default, or "" for text as Django stores it
            value = item.get_db_prep_save(item.get_default(), connection)
        columns.append(item.column)
        values.append(value)
    return columns, values


def _last_nonempty(column: str) -> str:
    """The column's value in the last row (highest line) where it is not empty.

    max() over [zero-padded line, value] arrays rather than array_agg(… ORDER BY line):
    an ordered aggregate sorts once per group, thousands of small sorts per chunk. The arrays
    are compared byte by byte (COLLATE "C"): only the padded line number decides, and the
    database's language collation made the aggregate half as slow again.
    """
    return f"(max(ARRAY[lpad(s.line::text, 10, '0'), s.{column}] {BYTES}) FILTER (WHERE s.{column} <> ''))[2] {UNBYTES}"


def _by_external_id(table: str, key: str) -> str:
    """One row's id by (organization, external id), as a LATERAL subquery.

    LATERAL … LIMIT 1 makes PostgreSQL look each key up in the unique index. As a
    plain join the planner chooses by statistics that lag behind the rows this
    transaction added, and may read all the organization's customers once per
    staged row (minutes per chunk where a lookup takes microseconds).
    """
    return f"SELECT t.id FROM {table} t WHERE t.organization_id = %s AND t.external_id = {key} LIMIT 1"


def _create_missing(
    cursor, model, *, organization_id: int, key: str, given: dict[str, str], now, where: str = "true"
) -> int:
    """Insert the customers or products the staged purchases name and the base lacks; returns how many."""
    default_columns, default_values = _defaults(model, ["organization_id", "external_id", *given], now)
    table = _q(model._meta.db_table)
    columns = ", ".join(_q(c) for c in ["organization_id", "external_id", *given, *default_columns])
    selects = ", ".join(["%s", f"s.{key}", *given.values(), *["%s"] * len(default_values)])
    # Grouped straight from the staging rows and filtered per key in the unique index: joining the
    # missing keys back to the staging table made a nested loop over two unanalysed sets (seconds a chunk).
    cursor.execute(
        f"""
        INSERT INTO {table} ({columns})
        SELECT {selects} FROM {STAGING} s
        WHERE {where}
        GROUP BY s.{key}
        HAVING NOT EXISTS ({_by_external_id(table, f"s.{key}")})
        ORDER BY s.{key}
        ON CONFLICT (organization_id, external_id) DO NOTHING
        """,
        [organization_id, *default_values, organization_id],
    )
    return cursor.rowcount


def _changed_only(table: str, columns: list[str], lookup: str, source: str = "src") -> str:
    """The staged rows (of the CTE `source`) that differ from the stored one with the same key, or are new.

    `lookup` is the stored row's condition on `t` (its key), looked up in the unique index.
    """
    stored = ", ".join(f"t.{_q(c)}" for c in columns)
    return f"""
            SELECT {source}.* FROM {source}
            LEFT JOIN LATERAL (SELECT {stored} FROM {table} t WHERE {lookup} LIMIT 1) stored ON true
            WHERE ({", ".join(f"stored.{c}" for c in columns)})
                IS DISTINCT FROM ({", ".join(f"{source}.{c}" for c in columns)})
        """


def _figures(lines: str) -> str:
    """Per order of `lines` (line, external_id, quantity, amount, rank, product_id): status, amount, product.

    The same rules as customers.services.order_status, order_amount and _best_product:
    the strongest marker, else "returned" when every line is negative; a completed
    order's amount is all its lines, another's only its negative ones; the deciding
    product is an active one with the longest delay, then one with a survey, then
    the first line's.
    """
    product = _q(Product._meta.db_table)
    # The deciding product in the same pass as the sums: each line's rank packed into one bigint
    # (active, then the delay, then a survey of its own, then the earliest line), its maximum per
    # order naming the line. Sorting every line of the chunk by the rank (DISTINCT ON) was a
    # second pass over the lines and a sort, a tenth of the statement.
    rank = (
        "((pr.is_active::int::bigint << 62) | (pr.evaluation_delay_days::bigint << 46)"
        " | ((pr.survey_id IS NOT NULL)::int::bigint << 45) | (2147483647 - l.line)::bigint)"
    )
    return f"""
        agg AS (
            SELECT l.external_id,
                   CASE WHEN max(l.rank) = 2 THEN '{CANCELLED}'
                        WHEN max(l.rank) = 1 OR bool_and(l.quantity < 0 OR l.amount < 0) THEN '{RETURNED}'
                        ELSE '{COMPLETED}' END AS status,
                   sum(l.amount) AS total, COALESCE(sum(l.amount) FILTER (WHERE l.amount < 0), 0) AS given_back,
                   (max(ARRAY[{rank}, l.product_id]))[2] AS product_id
            FROM {lines} l JOIN {product} pr ON pr.id = l.product_id
            GROUP BY l.external_id
        ), figures AS (
            SELECT agg.external_id, agg.status, agg.product_id,
                   CASE WHEN agg.status = '{COMPLETED}' THEN agg.total ELSE agg.given_back END AS amount
            FROM agg
        )"""


def _head(orders: str) -> str:
    """Each staged order's own fields, each from its first line that has it (the customer looked up once per order).

    Shopify's orders export writes the customer, dates and currency on an order's first
    row only; the ORM writer (customers.services._order_head) takes the same. The currency
    and date are those of the order's first line in the chunk (`pos` 1), which also carries
    the first non-empty customer, place and seller of its lines (`head_*`, found by the
    validator process in staging_rows): no per-order aggregate over the lines here, which
    was a sort of the chunk and a fifth of the orders-and-lines statement. `orders` is
    the condition on ORDERS (`o`) that picks the orders wanted: the chunk's new ones or
    those it continues. Joined through ORDERS, analysed per chunk, so the planner knows
    how many there are (a NOT EXISTS on the import's running list of orders was
    estimated at one row and planned as nested loops: minutes a chunk).
    """
    customer = _q(Customer._meta.db_table)
    return f"""
        first AS (
            SELECT s.external_id, o.id, o.digest, o.raw, s.head_customer AS customer_external_id, s.currency,
                   s.purchased_at, s.head_location_id AS location_id, s.head_employee AS employee_name
            FROM {STAGING} s JOIN {ORDERS} o ON o.external_id = s.external_id AND {orders}
            WHERE s.pos = 1
        ), head AS (
            SELECT first.*, c.id AS customer_id FROM first
            LEFT JOIN LATERAL ({_by_external_id(customer, "first.customer_external_id")}) c
                ON first.customer_external_id <> ''
        )"""


def _digest() -> str:
    """An order's digest from its staged lines (`s`), as SQL: a uuid that any change to a line changes.

    Each line is its digest columns as one record's text (quoted where a value holds a comma, so
    two different lines never read the same), with its place in the order; the lines' two 64-bit
    hashes are summed, so the order of the rows does not matter (the place is in the text), and the
    sums, the line count and the products' settings (`%s`, _products_digest) are hashed together.
    No per-order sort: PostgreSQL 15 sorts each group of an ordered aggregate apart.
    """
    return (
        "md5(%s || ':' || count(*) || ':' || sum(hashtextextended(s.src, 0))"
        " || ':' || sum(hashtextextended(s.src, 1)))::uuid"
    )


def _digest_source() -> str:
    """Each staged line with its digest text (`src`), made once for both hashes."""
    return f"SELECT s.*, ROW({', '.join(f's.{c}' for c in DIGEST_COLUMNS)})::text AS src FROM {STAGING} s"


def _products_digest(cursor, *, organization_id: int) -> str:
    """A hash of what decides an order's product (ADR 0014) for every product whose settings are not the defaults.

    Part of every order's digest: when a product is deactivated, its delay changes or it gets a
    survey, the orders' products may change, so no order reads as unchanged by its digest until
    compared again. Products the import creates have the defaults, so they leave it as it is.
    """
    default_delay = Product._meta.get_field("evaluation_delay_days").get_default()
    cursor.execute(
        f"""
        SELECT md5(COALESCE(string_agg(concat_ws(',', id, is_active, evaluation_delay_days, survey_id), ';'
                                       ORDER BY id), ''))
        FROM {_q(Product._meta.db_table)}
        WHERE organization_id = %s AND NOT (is_active AND evaluation_delay_days = %s AND survey_id IS NULL)
        """,
        [organization_id, default_delay],
    )
    return cursor.fetchone()[0]


def _chunk_orders(cursor, *, organization_id: int, products_digest: str, compare: bool) -> tuple[int, int]:
    """Fill ORDERS with the chunk's orders: id if stored, lines earlier chunks stored, continued or not, digest.

    With `compare`, an order is `same` when its stored digest is the staged one (so its lines, and
    the fields they give, are what this import would store) and its stored customer is the one
    its lines name (a customer's external id can have changed since). Returns how many orders the
    chunk holds that no earlier chunk had, and how many it holds.
    """
    purchase = _q(Purchase._meta.db_table)
    customer = _q(Customer._meta.db_table)
    cursor.execute(
        f"""
        INSERT INTO {ORDERS} (external_id, id, start, lines, rank, continued, digest, raw, same)
        SELECT k.external_id, t.id, COALESCE(seen.lines, 0), COALESCE(seen.lines, 0) + k.n,
               GREATEST(k.rank, seen.rank), seen.external_id IS NOT NULL, k.digest, k.raw,
               COALESCE(%s AND seen.external_id IS NULL AND t.digest = k.digest
                        AND CASE WHEN k.first_customer IS NULL THEN t.customer_id IS NULL
                                 ELSE k.first_customer = k.last_customer AND c.external_id = k.first_customer END,
                        false)
        FROM (
            SELECT s.external_id, count(*) AS n, max(s.rank) AS rank, {_digest()} AS digest,
                   NULLIF(max(s.raw), '')::uuid AS raw,
                   min(s.customer_external_id {BYTES}) FILTER (WHERE s.customer_external_id <> '') AS first_customer,
                   max(s.customer_external_id {BYTES}) FILTER (WHERE s.customer_external_id <> '') AS last_customer
            FROM ({_digest_source()}) s GROUP BY s.external_id
        ) k
        LEFT JOIN LATERAL (
            SELECT t.id, t.digest, t.customer_id FROM {purchase} t
            WHERE t.organization_id = %s AND t.external_id = k.external_id COLLATE "default" LIMIT 1
        ) t ON true
        LEFT JOIN LATERAL (
            SELECT c.external_id {BYTES} AS external_id FROM {customer} c WHERE c.id = t.customer_id LIMIT 1
        ) c ON true
        LEFT JOIN {SEEN} seen ON seen.external_id = k.external_id
        """,
        [compare, products_digest, organization_id],
    )
    # The columns the chunk's statements join and filter on: the others' statistics would go unused, and
    # analysing all nine took a few times as long.
    cursor.execute(f"ANALYZE {ORDERS} (external_id, id, continued, same)")
    cursor.execute(f"SELECT count(*) FILTER (WHERE NOT continued), count(*) FROM {ORDERS}")
    return cursor.fetchone()


def _upsert_orders_and_lines(cursor, *, organization_id: int, now, skip_unchanged: bool) -> int:
    """Store the chunk in one statement: its new and changed orders, then every line by (order, line number).

    Returns how many orders whose own fields stayed had a line changed (they count as
    updated). Orders continued from an earlier chunk get their lines here and their own
    fields from _continue_orders. One statement, so each staged line is read and its
    product looked up once for both; a new order's lines take its id from the insert's
    RETURNING, and their foreign keys are checked at the statement's end, when the
    order is there.

    Products are looked up per line in their unique index, customers per order. A hash
    join of the few hundred products would be cheaper, but where the products' statistics
    say the organization has none (analysed before this import made them) PostgreSQL plans
    a nested loop over them instead: minutes a chunk. The lookup costs about a microsecond.

    With `skip_unchanged`, orders and lines stored already and unchanged (a nightly file
    sends most of them again) are left out before the upserts, each read by its key: ON
    CONFLICT locks every conflicting row before its WHERE can find nothing changed, and
    each lock writes the row's page and the write-ahead log. Without it (the organization
    had no orders before this import) nothing stored can conflict: plain inserts, without
    ON CONFLICT's speculative insertion per row.

    A line's number is its place among its order's lines in the file, after those earlier
    chunks stored: the same file gives the same numbers, so a re-import finds each line.
    """
    default_columns, default_values = _defaults(
        Purchase, ["organization_id", "external_id", *PURCHASE_COLUMNS, "digest", "raw_digest"], now
    )
    table = _q(Purchase._meta.db_table)
    lines_table = _q(PurchaseLine._meta.db_table)
    product = _q(Product._meta.db_table)
    insert_columns = ["organization_id", "external_id", *PURCHASE_COLUMNS, "digest", "raw_digest", *default_columns]
    sets = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in [*PURCHASE_COLUMNS, "updated_at"])
    old = ", ".join(f"{table}.{_q(c)}" for c in PURCHASE_COLUMNS)
    new = ", ".join(f"EXCLUDED.{_q(c)}" for c in PURCHASE_COLUMNS)
    line_sets = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in LINE_COLUMNS)
    line_old = ", ".join(f"{lines_table}.{_q(c)}" for c in LINE_COLUMNS)
    line_new = ", ".join(f"EXCLUDED.{_q(c)}" for c in LINE_COLUMNS)
    if skip_unchanged:
        todo = _changed_only(table, PURCHASE_COLUMNS, "t.id = src.id")
        line_todo = _changed_only(
            lines_table, LINE_COLUMNS, "t.purchase_id = lsrc.purchase_id AND t.line_no = lsrc.line_no", "lsrc"
        )
        conflict = (
            f"ON CONFLICT (organization_id, external_id) DO UPDATE SET {sets} WHERE ({old}) IS DISTINCT FROM ({new})"
        )
        line_conflict = (
            f"ON CONFLICT (purchase_id, line_no) DO UPDATE SET {line_sets} "
            f"WHERE ({line_old}) IS DISTINCT FROM ({line_new})"
        )
    else:
        todo, line_todo, conflict, line_conflict = "SELECT * FROM src", "SELECT * FROM lsrc", "", ""
    cursor.execute(
        f"""
        WITH staged AS (
            SELECT s.line, s.pos, s.external_id, s.quantity, s.unit_price, s.amount, s.rank, p.id AS product_id,
                   o.id AS known_id, o.start, o.continued
            FROM {STAGING} s JOIN {ORDERS} o ON o.external_id = s.external_id AND NOT o.same
            CROSS JOIN LATERAL ({_by_external_id(product, "s.product_external_id")}) p
        ), lines AS (SELECT * FROM staged WHERE NOT continued
        ), {_figures("lines")}, {_head("NOT o.continued AND NOT o.same")},
        src AS (
            SELECT h.id, h.external_id, h.customer_id, f.product_id, f.amount, h.currency, f.status,
                   h.purchased_at, h.location_id, h.employee_name, h.digest, h.raw
            FROM head h JOIN figures f USING (external_id)
        ), todo AS ({todo}
        ), up AS (
            INSERT INTO {table} ({", ".join(_q(c) for c in insert_columns)})
            SELECT %s, external_id, {", ".join(PURCHASE_COLUMNS)}, digest, raw,
                   {", ".join(["%s"] * len(default_columns))}
            FROM todo
            ORDER BY external_id
            {conflict}
            RETURNING id, (xmax = 0) AS created, customer_id, product_id, purchased_at, status, external_id,
                      employee_name
        ), saved AS (
            INSERT INTO {CHANGED}
            SELECT id, created, customer_id, product_id, purchased_at, status, external_id, employee_name
            FROM up
            RETURNING id, external_id
        ), lsrc AS (
            SELECT COALESCE(l.known_id, n.id) AS purchase_id,
                   l.start + l.pos AS line_no,
                   l.product_id, l.quantity, l.unit_price, l.amount, l.continued
            FROM staged l LEFT JOIN saved n ON l.known_id IS NULL AND n.external_id = l.external_id
        ), ltodo AS ({line_todo}
        ), lup AS (
            INSERT INTO {lines_table} (purchase_id, line_no, {", ".join(LINE_COLUMNS)})
            SELECT purchase_id, line_no, {", ".join(LINE_COLUMNS)} FROM ltodo
            ORDER BY purchase_id, line_no
            {line_conflict}
            RETURNING purchase_id
        )
        SELECT count(DISTINCT lup.purchase_id) FROM lup
        WHERE NOT EXISTS (SELECT 1 FROM saved WHERE saved.id = lup.purchase_id)
          AND NOT EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.id = lup.purchase_id AND o.continued)
        """,
        [organization_id, organization_id, organization_id] + default_values,
    )
    lines_only = cursor.fetchone()[0]
    if skip_unchanged:
        # The chunk's orders stored before and compared now hold what their staged lines give: their
        # digests say so from here on (also where only a digest differed: the products' settings
        # changed, or the order was stored before there were digests, or edited elsewhere). An order
        # found `same` holds them too, and takes its raw digest where that is new (the file's text
        # changed, not what it gives).
        cursor.execute(
            f"""
            UPDATE {table} t SET digest = o.digest, raw_digest = o.raw FROM {ORDERS} o
            WHERE o.id IS NOT NULL AND NOT o.continued AND t.id = o.id
              AND (t.digest IS DISTINCT FROM o.digest OR t.raw_digest IS DISTINCT FROM o.raw)
            """
        )
    if skip_unchanged:
        # The new orders' ids, for SEEN (_remember_orders), which only the end of an import into an
        # organization that had orders reads (_drop_stale_lines): a first import spares the update.
        # An order continued later is looked up by its key (_chunk_orders), not read from here.
        cursor.execute(
            f"UPDATE {ORDERS} o SET id = c.id FROM {CHANGED} c WHERE o.id IS NULL AND c.external_id = o.external_id"
        )
    return lines_only


def _continue_orders(cursor, *, organization_id: int, now) -> None:
    """Recompute the orders this chunk continued (lines in an earlier chunk too) from all their lines.

    They keep the fields their earlier lines gave (the first line that has a field gives it) and take
    from this chunk only those still empty. Rare: the
    chunks are cut between orders (imports.services.whole_orders), so only an order
    scattered over the file, or longer than a chunk, continues.
    """
    table = _q(Purchase._meta.db_table)
    lines_table = _q(PurchaseLine._meta.db_table)
    sets = ", ".join(f"{_q(c)} = src.{c}" for c in PURCHASE_COLUMNS)
    # Its lines span chunks, so no chunk's digest is the whole order's: it is compared line by line next time.
    cursor.execute(
        f"UPDATE {table} t SET digest = NULL, raw_digest = NULL FROM {ORDERS} o "
        "WHERE o.continued AND t.id = o.id AND (t.digest IS NOT NULL OR t.raw_digest IS NOT NULL)"
    )
    cursor.execute(
        f"""
        WITH lines AS (
            SELECT o.external_id, l.line_no AS line, l.quantity, l.amount, l.product_id, o.rank
            FROM {ORDERS} o JOIN {lines_table} l ON l.purchase_id = o.id AND l.line_no <= o.lines
            WHERE o.continued
        ), {_figures("lines")}, {_head("o.continued")},
        src AS (
            SELECT h.id, h.external_id, COALESCE(p.customer_id, h.customer_id) AS customer_id, f.product_id,
                   f.amount, p.currency, f.status, p.purchased_at,
                   COALESCE(p.location_id, h.location_id) AS location_id,
                   COALESCE(NULLIF(p.employee_name, ''), h.employee_name) AS employee_name
            FROM head h JOIN figures f USING (external_id) JOIN {table} p ON p.id = h.id
        ), up AS (
            UPDATE {table} t SET {sets}, updated_at = %s
            FROM src WHERE t.id = src.id
              AND ({", ".join(f"t.{_q(c)}" for c in PURCHASE_COLUMNS)})
                  IS DISTINCT FROM ({", ".join(f"src.{c}" for c in PURCHASE_COLUMNS)})
            RETURNING t.id, t.customer_id, t.product_id, t.purchased_at, t.status, t.external_id, t.employee_name
        )
        INSERT INTO {CHANGED}
        SELECT id, false, customer_id, product_id, purchased_at, status, external_id, employee_name FROM up
        """,
        [organization_id, now],
    )


def _remember_orders(cursor) -> None:
    """Add the chunk's orders to SEEN, with the lines stored so far and their strongest marker."""
    cursor.execute(
        f"""
        INSERT INTO {SEEN} (external_id, id, lines, rank, same)
        SELECT external_id, id, lines, rank, same FROM {ORDERS}
        ON CONFLICT (external_id) DO UPDATE SET lines = EXCLUDED.lines, rank = EXCLUDED.rank, same = false
        """
    )


def _drop_stale_lines(cursor) -> int:
    """Delete the lines past each imported order's last: the file's order has fewer lines than the stored one."""
    lines = _q(PurchaseLine._meta.db_table)
    # An order found unchanged by its digest has exactly the lines the file gives (the digest counts
    # them): only the others are looked at, each through the (purchase, line_no) index. Joined as a
    # whole, PostgreSQL read every line of the table (all organizations') to find the few past their end.
    cursor.execute(f"ANALYZE {SEEN}")
    cursor.execute(
        f"""
        DELETE FROM {lines} WHERE id IN (
            SELECT x.id FROM {SEEN} seen
            CROSS JOIN LATERAL (
                SELECT l.id FROM {lines} l WHERE l.purchase_id = seen.id AND l.line_no > seen.lines
            ) x
            WHERE NOT seen.same AND seen.id IS NOT NULL
        )
        """
    )
    return cursor.rowcount


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


def _check_left_out(cursor, *, organization_id: int) -> None:
    """Raise Reread unless every order left out still has the raw digest it was left out for, and its digest.

    They were read (with their customers' external ids, which nothing in Otklik changes) before the
    validator process started; a writer that changed an order meanwhile emptied its digest.
    """
    purchase = _q(Purchase._meta.db_table)
    cursor.execute(f"ANALYZE {LEFT_OUT}")
    cursor.execute(
        f"""
        SELECT count(*) FROM {LEFT_OUT} k
        WHERE NOT EXISTS (
            SELECT 1 FROM {purchase} p
            WHERE p.organization_id = %s AND p.external_id = k.external_id
              AND p.raw_digest = k.raw AND p.digest IS NOT NULL
        )
        """,
        [organization_id],
    )
    if cursor.fetchone()[0]:
        raise Reread("an order left out as unchanged was changed meanwhile")


def _notify_changed(organization: Organization, *, changed: int) -> None:
    """Hand the chunk's stored or changed purchases to the invitation hook, inside the transaction.

    The hook reads them from the temporary table the upsert filled: no ids travel to Python and back.
    """
    if changed:
        intake.purchases_changed_in_table(organization=organization, table=CHANGED)


def _copy_payload(rows: list[Sequence]) -> bytes:
    """A chunk's staging rows in COPY's CSV format, made in the validator process so the writer only sends it.

    The csv module writes in C, about three times faster than escaping each field for COPY's
    text format in Python. Every non-numeric value is quoted, so an empty text stays empty
    and a missing value (None, written as a quoted empty field) becomes NULL through the
    COPY's FORCE_NULL, which lists the columns where an empty text cannot occur.
    """
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def staging_rows(
    chunk: list[tuple[int, dict]],
    clean: Callable[[dict], dict],
    report: ImportReport,
    *,
    fill_only: set[int] = frozenset(),
    raw: dict[str, str] | None = None,
) -> list[Sequence]:
    """The chunk's good rows as staging rows, each bad one in the report (as validate_chunk does).

    A plain line goes straight to its row (the cleaner's `staging_row`, imports.fast_rows);
    any other through the validator, one at a time and in the file's order, so the
    reasons and counts are the validator's own. The lines numbered in `fill_only` (the first
    of an order left out as unchanged, imports.raw_orders) only go through the cleaner's
    order-fields filler, in their place, and are neither counted nor staged. `raw` gives an
    order's raw digest, staged with its first line, as are the first non-empty customer, place and
    seller of its lines (STAGING_COLUMNS' `head_*`; an order's first row is a list, filled in as
    later lines give them).
    """
    fast = getattr(clean, "staging_row", None)
    if fill_only:
        chunk = _filled_only(chunk, fill_only, clean.fill) if fast is None else chunk
    if fast is None:
        rows = [_staging_row(line, values) for line, values in validate_chunk(chunk, clean, report)]
    else:
        rows = _checked_rows(chunk, fast, clean, report, fill_only)
    # Each line's place among its order's lines in the chunk (the file's order), for `pos`; and on its first
    # line the first non-empty customer, place and seller of its lines (the rows are in the file's order),
    # filled in as later lines give them.
    seen: dict[str, int] = {}
    firsts: dict[str, list] = {}
    placed = []
    raw = raw or {}
    for row in rows:
        order = row[1]
        place = seen[order] = seen.get(order, 0) + 1
        if place == 1:
            first = firsts[order] = [*row, 1, raw.get(order, ""), row[2] or "", row[9], row[10] or ""]
            placed.append(first)
            continue
        first = firsts[order]
        if not first[-3] and row[2]:
            first[-3] = row[2]
        if first[-2] is None and row[9] is not None:
            first[-2] = row[9]
        if not first[-1] and row[10]:
            first[-1] = row[10]
        placed.append((*row, place, "", "", None, ""))
    return placed


def _filled_only(chunk: list[tuple[int, dict]], fill_only: set[int], fill: Callable[[dict], dict]) -> list:
    kept = []
    for number, record in chunk:
        if number in fill_only:
            fill(record)
        else:
            kept.append((number, record))
    return kept


def _checked_rows(
    chunk: list[tuple[int, dict]],
    fast: Callable,
    clean: Callable[[dict], dict],
    report: ImportReport,
    fill_only: set[int] = frozenset(),
):
    rows = []
    fill = getattr(clean, "fill", None)
    for number, record in chunk:
        if number in fill_only:
            fill(record)
            report.rows -= 1  # not a line of this chunk's to count: its order's lines are counted apart
            continue
        row = fast(number, record)
        if row is None:
            good = validate_chunk([(number, record)], clean, report)
            rows.extend(_staging_row(line, values) for line, values in good)
            report.rows -= 1  # counted once, below
        else:
            rows.append(row)
    report.rows += len(chunk)
    return rows


def _validated(
    chunk: list[tuple[int, dict]], clean: Callable[[dict], dict], raw_orders: RawOrders | None
) -> tuple[ImportReport, tuple[bytes, bytes, int]]:
    """One chunk checked: its own report, and as COPY data its good rows and the orders left out as unchanged.

    None of either once a row is bad; the third item is how many orders were left out.
    """
    report = ImportReport(kind="purchases")
    if raw_orders is None:
        rows, left_out = staging_rows(chunk, clean, report), []
    else:
        todo, fill_only, left_out, digests = raw_orders.split(chunk)
        rows = staging_rows(todo, clean, report, fill_only=fill_only, raw=digests)
        report.rows += len(chunk) - len(todo) + len(fill_only)  # the lines of the orders left out
    # Plain strings: a lazy translation would be translated again, in the other process's language.
    report.errors = [(row, [str(reason) for reason in reasons]) for row, reasons in report.errors]
    if not report.ok:
        return report, (b"", b"", 0)
    return report, (_copy_payload(rows) if rows else b"", _copy_payload(left_out) if left_out else b"", len(left_out))


def _produce(
    sender: Connection,
    chunks: Iterator,
    clean: Callable[[dict], dict],
    language: str | None,
    raw_orders: RawOrders | None = None,
    dates: DateTally | None = None,
) -> None:
    """The validator process: read, check and encode chunk after chunk, and send each to the writer.

    A send blocks until the writer takes the chunk before, so at most one waits and memory
    stays flat. The end is (None, `dates`: the date column as the reading counted it, or None);
    a failure ("error", exception) for the writer to raise.
    """
    # A chunk is tens of thousands of small dicts that live until it is sent. With the cyclic
    # garbage collector on, they were traversed again at every collection while they aged,
    # half of this process's time. Nothing here makes reference cycles (reference counting
    # frees each chunk), so the collector runs once a chunk, over what is left of that chunk
    # alone: freeze() sets aside the objects the process was forked with.
    gc.disable()
    gc.freeze()
    try:
        with translation.override(language):
            for chunk in chunks:
                sender.send(_validated(chunk, clean, raw_orders))
                del chunk
                gc.collect()
        sender.send((None, dates))
    except BrokenPipeError:  # the writer is gone (it failed, and says why itself)
        pass
    except BaseException as exc:  # noqa: BLE001 (anything the reading raises is the writer's to report)
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: its text at least
            sender.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        sender.close()


@contextmanager
def _validator(
    chunks: Iterator, clean: Callable[[dict], dict], raw_orders: RawOrders | None = None, dates: DateTally | None = None
) -> Iterator[Callable[[], tuple | None]]:
    """Read and validate the file in a child process; yields a function that gives the next chunk or None.

    A process, not a thread: with one thread checking rows in Python, the thread that talks
    to PostgreSQL waited for the interpreter lock after each reply (up to its 5 ms switch
    interval), and Python's work did not overlap the database's. The child is forked, so it
    has the validator (with its organization's time zone and locations) and the translations
    as they are here; it never touches the database connection it inherits. `dates`, the tally
    the chunks' reading counts the date column into (in the child's copy), gets the child's
    counts at the end.
    """
    receiver, sender = _FORK.Pipe(duplex=False)
    child = _FORK.Process(
        target=_produce,
        args=(sender, chunks, clean, translation.get_language(), raw_orders, dates),
        name="otklik-import-validator",
    )
    child.start()
    sender.close()  # the child's end: only it writes, so the reader sees the end if it dies

    def next_chunk() -> tuple | None:
        try:
            report, payload = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the validator process stopped (exit code {child.exitcode})") from None
        if report == "error":
            raise payload
        if report is None:
            if dates is not None and payload is not None:
                dates.merge(payload)
            return None
        return report, payload

    try:
        yield next_chunk
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():  # the writer failed early: the child would read the rest of the file for nothing
            child.kill()
            child.join()


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
    cursor.execute(f"TRUNCATE {STAGING}, {CHANGED}, {ORDERS}")
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
        # transaction count), only the unique index is cheap. Once per import is enough.
        cursor.execute(f"ANALYZE {_q(Customer._meta.db_table)} (organization_id)")
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
        for table in [CHANGED, ORDERS, SEEN, LEFT_OUT]:
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
