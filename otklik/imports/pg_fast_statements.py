"""The statements the PostgreSQL fast path runs to store a staged chunk, and those that close the import.

New customers and products, the chunk's orders and their digests, the orders-and-lines upsert, the
orders continued from earlier chunks, and at the end the lines no longer in the file and the check
of the orders left out by their raw digest. Apart from the writer (pg_fast), which decides when
each runs, because each is one long SQL text with the reasons for its shape.
"""

from otklik.customers.models import Customer, Product, Purchase, PurchaseLine
from otklik.imports.pg_fast_sql import (
    BYTES,
    CHANGED,
    LEFT_OUT,
    LINE_COLUMNS,
    ORDERS,
    PURCHASE_COLUMNS,
    SEEN,
    STAGING,
    _by_external_id,
    _changed_only,
    _defaults,
    _digest,
    _digest_source,
    _figures,
    _head,
    _q,
)
from otklik.imports.raw_orders import Reread


def _create_missing(
    cursor,
    model,
    *,
    organization_id: int,
    key: str,
    given: dict[str, str],
    now,
    where: str = "true",
    remember: str | None = None,
) -> int:
    """Insert the customers or products the staged purchases name and the base lacks; returns how many.

    With `remember` (a temporary table: external_id, id), every key the chunk names is written there
    with its id, found or made, so that the orders' statement joins them rather than looking each
    order's customer up in the unique index again.
    """
    default_columns, default_values = _defaults(model, ["organization_id", "external_id", *given], now)
    table = _q(model._meta.db_table)
    columns = ", ".join(_q(c) for c in ["organization_id", "external_id", *given, *default_columns])
    selects = ", ".join(["%s", f"s.{key}", *given.values(), *["%s"] * len(default_values)])
    # Each distinct key probed in the unique index (LATERAL … LIMIT 1), then only the missing keys' rows
    # grouped. As a NOT EXISTS in the HAVING clause, PostgreSQL hashed all the organization's stored rows
    # instead, planned with the statistics of the import's first chunk: every chunk read every customer
    # stored before it (57 000 in chunk 20 of 44), and the names and contacts were aggregated for every
    # key, found or not. The chunk's rows are then grouped by key straight from the staging table:
    # joining the missing keys back to it made a nested loop over two unanalysed sets (seconds a chunk).
    kept = (
        f"""
        , found AS (INSERT INTO {remember} (external_id, id) SELECT key, id FROM probed WHERE id IS NOT NULL)
        , kept AS (INSERT INTO {remember} (external_id, id) SELECT external_id, id FROM made)"""
        if remember
        else ""
    )
    cursor.execute(
        f"""
        WITH probed AS MATERIALIZED (
            SELECT k.key, t.id FROM (SELECT DISTINCT s.{key} AS key FROM {STAGING} s WHERE {where}) k
            LEFT JOIN LATERAL ({_by_external_id(table, "k.key")}) t ON true
        ), made AS (
            INSERT INTO {table} ({columns})
            SELECT {selects} FROM {STAGING} s JOIN probed p ON p.key = s.{key} AND p.id IS NULL
            WHERE {where}
            GROUP BY s.{key}
            ORDER BY s.{key}
            ON CONFLICT (organization_id, external_id) DO NOTHING
            RETURNING external_id, id
        ){kept}
        SELECT (SELECT count(*) FROM made), (SELECT count(*) FROM probed WHERE id IS NULL)
        """,
        [organization_id, organization_id, *default_values],
    )
    created, missing = cursor.fetchone()
    if remember and created < missing:
        # Another transaction stored some of them meanwhile (ON CONFLICT waited for it and did nothing): their
        # ids are looked up now, as the orders' statement would have.
        cursor.execute(
            f"""
            INSERT INTO {remember} (external_id, id)
            SELECT k.key, t.id FROM (SELECT DISTINCT s.{key} AS key FROM {STAGING} s WHERE {where}) k
            CROSS JOIN LATERAL ({_by_external_id(table, "k.key")}) t
            WHERE NOT EXISTS (SELECT 1 FROM {remember} r WHERE r.external_id = k.key)
            """,
            [organization_id],
        )
    return created


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


def _chunk_orders(
    cursor, *, organization_id: int, products_digest: str, compare: bool, first: bool = False
) -> tuple[int, int]:
    """Fill ORDERS with the chunk's orders: id if stored, lines earlier chunks stored, continued or not, digest.

    With `compare`, an order is `same` when its stored digest is the staged one (so its lines, and
    the fields they give, are what this import would store) and its stored customer is the one
    its lines name (a customer's external id can have changed since). With `first` (the
    organization had no orders when the import began), only an order an earlier chunk stored can
    be stored, so only those are looked up among the purchases. Returns how many orders the
    chunk holds that no earlier chunk had, and how many it holds.
    """
    purchase = _q(Purchase._meta.db_table)
    customer = _q(Customer._meta.db_table)
    # In a first import every other lookup would miss (about 5 ms a 25 000-line chunk of index probes).
    stored_only = "seen.external_id IS NOT NULL AND" if first else ""
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
        -- Each order probed in SEEN's key, as a lateral with LIMIT 1 so that it stays a probe: joined, it
        -- was a hash of every order the import had seen so far, per chunk (89 000 rows in chunk 20 of 44).
        LEFT JOIN LATERAL (
            SELECT seen.external_id, seen.lines, seen.rank FROM {SEEN} seen
            WHERE seen.external_id = k.external_id LIMIT 1
        ) seen ON true
        LEFT JOIN LATERAL (
            SELECT t.id, t.digest, t.customer_id FROM {purchase} t
            WHERE {stored_only} t.organization_id = %s AND t.external_id = k.external_id COLLATE "default" LIMIT 1
        ) t ON true
        LEFT JOIN LATERAL (
            SELECT c.external_id {BYTES} AS external_id FROM {customer} c WHERE c.id = t.customer_id LIMIT 1
        ) c ON true
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
        [organization_id, organization_id] + default_values,
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
        [now],
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
