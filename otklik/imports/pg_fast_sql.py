"""The PostgreSQL fast path's vocabulary: its temporary tables, the staging columns and the shared SQL fragments.

Names and text only: what the statements of pg_fast_statements and the writer in pg_fast are
built from (each fragment says why it is written the way it is), with the session settings the
writer sets. Nothing here runs a statement, so each fragment can be read and tested on its own.
"""

from django.db import connection

from otklik.customers import services as customers
from otklik.customers.models import OrderStatus, Product

STAGING = "otklik_import_staging"
CHANGED = "otklik_import_changed"
ORDERS = "otklik_import_orders"  # the chunk's orders: id, lines stored by earlier chunks, whether continued
LEFT_OUT = "otklik_import_left_out"  # the orders left out as unchanged by their raw digest, checked at the end
SEEN = "otklik_import_seen"  # every order this import stored lines of, with how many and its strongest marker
# The chunk's customers: external id and id, found or made by _create_missing, read by _head.
KNOWN_CUSTOMERS = "otklik_import_known_customers"
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
    """Each staged order's own fields, each from its first line that has it (and its customer's id).

    Shopify's orders export writes the customer, dates and currency on an order's first
    row only; the ORM writer (customers.services._order_head) takes the same. The currency
    and date are those of the order's first line in the chunk (`pos` 1), which also carries
    the first non-empty customer, place and seller of its lines (`head_*`, found by the
    validator process in staging_rows): no per-order aggregate over the lines here, which
    was a sort of the chunk and a fifth of the orders-and-lines statement. `orders` is
    the condition on ORDERS (`o`) that picks the orders wanted: the chunk's new ones or
    those it continues. Joined through ORDERS, analysed per chunk, so the planner knows
    how many there are (a NOT EXISTS on the import's running list of orders was
    estimated at one row and planned as nested loops: minutes a chunk). The customer's id
    is joined from KNOWN_CUSTOMERS, which _create_missing filled with every customer the
    chunk names: looking each order's customer up in the unique index again (in the
    database's language collation) was a tenth of the statement.
    """
    return f"""
        first AS (
            SELECT s.external_id, o.id, o.digest, o.raw, s.head_customer AS customer_external_id, s.currency,
                   s.purchased_at, s.head_location_id AS location_id, s.head_employee AS employee_name
            FROM {STAGING} s JOIN {ORDERS} o ON o.external_id = s.external_id AND {orders}
            WHERE s.pos = 1
        ), head AS (
            SELECT first.*, c.id AS customer_id FROM first
            LEFT JOIN {KNOWN_CUSTOMERS} c ON c.external_id = first.customer_external_id
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
    """Each staged line with its digest text (`src`), made once for both hashes.

    OFFSET 0 keeps the subquery apart: pulled up into the aggregate, as PostgreSQL does with a plain
    subquery, its `src` was written out again in each of the two hashes, so every line's record was
    turned into text twice (the record's text, dates and numbers formatted, is most of the digest's cost).
    """
    return f"SELECT s.*, ROW({', '.join(f's.{c}' for c in DIGEST_COLUMNS)})::text AS src FROM {STAGING} s OFFSET 0"
