"""A file sent again: an order whose raw lines are those the last import stored it from is not validated again.

A nightly file sends nearly every order again unchanged. The PostgreSQL fast path used to read,
validate and stage every line, then find the order unchanged by the digest of its staged lines
(ADR 0035). Here the validator process hashes each order's lines as read from the file (the
record values, before any cleaning), together with everything validation and storing depend on
besides the lines (`settings`: the code, the mapping step's choices, the organization's time
zone, currency and places, the products' settings). An order whose hash, with its stored
customer's external id, is one of those stored (`Purchase.raw_digest`, with `digest` still set:
every other writer empties `digest`) is left out: no validation, no staging, no comparison.

Why that is exact: a stored raw digest was written by an import that committed, so those very
lines, with those very settings, validated without a bad row and gave what is stored. The same
lines and settings give the same again, as long as nothing outside the order's own lines goes
into them. So an order is a candidate only when:

- its lines are one after another in one chunk and no earlier chunk had it (a later chunk that
  has it again makes the import start over without this shortcut: `Reread`);
- every line's order number is written plainly (the stored external id is the text itself);
- its first line names a customer and every other line names the same one or none: then no
  line is anonymous or skipped (the report's counts stay exact), and the only customer the
  order depends on is the one checked against the stored order's.

The first line of an order left out still goes through the order-fields filler, so the filler's
memory of orders (and when it forgets them) is the same as when every line went through it.
"""

import hashlib
from collections.abc import Callable
from pathlib import Path

from otklik.customers.models import Customer, Purchase
from otklik.imports.cleaning import customer_key

# The code that decides what an order's lines become: a change to any of it makes every stored raw digest differ.
_SOURCES = [
    "customers/services.py",
    "imports/cleaning.py",
    "imports/dates.py",
    "imports/fast_clean.py",
    "imports/fast_rows.py",
    "imports/pg_fast.py",
    "imports/pg_fast_sql.py",
    "imports/pg_fast_statements.py",
    "imports/pg_fast_validator.py",
    "imports/raw_orders.py",
    "imports/services.py",
]
_ROOT = Path(__file__).resolve().parent.parent
CODE = hashlib.md5(b"".join((_ROOT / name).read_bytes() for name in _SOURCES)).hexdigest()
FIELD, LINE, HEAD = "\x1f", "\x1e", "\x1d"
_NOTHING = object()
ORDER_ID_LIMIT = 100  # Purchase.external_id's length: longer ids are cut, so two raw ids may make one order


class Reread(Exception):  # noqa: N818 (a signal: the import starts over without the shortcut)
    """An order left out as unchanged turned out not to be whole in its chunk, or changed meanwhile."""


def stored_raw_digests(cursor, *, organization_id: int) -> set[bytes]:
    """Each stored order's raw digest (16 bytes) followed by its customer's external id (UTF-8), read at once.

    Only orders whose `digest` is still set: any other writer that changes an order empties it.
    One blob, each entry ended by a NUL (which no text holds), split here: hashing each row in
    SQL (md5) cost more than the join itself.
    """
    # A hash join: looked up one by one (the plan that statistics taken before this import's orders
    # suggest), the customers took three times as long.
    cursor.execute("SET LOCAL enable_nestloop = off")
    cursor.execute(
        f"""
        SELECT string_agg(uuid_send(p.raw_digest) || convert_to(c.external_id, 'UTF8') || '\\x00'::bytea, ''::bytea)
        FROM {Purchase._meta.db_table} p JOIN {Customer._meta.db_table} c ON c.id = p.customer_id
        WHERE p.organization_id = %s AND p.raw_digest IS NOT NULL AND p.digest IS NOT NULL
        """,
        [organization_id],
    )
    blob = bytes(cursor.fetchone()[0] or b"")
    cursor.execute("RESET enable_nestloop")
    stored, start, find = set(), 0, blob.find
    while start < len(blob):
        end = find(b"\0", start + 16)
        stored.add(blob[start:end])
        start = end + 1
    return stored


def _order_text(texts: list[str], records: list[dict]) -> str:
    """An order's lines as one text that no other lines give.

    `texts` are the lines' values joined by FIELD (None for a line with a value that is not text).
    Joined by LINE, the text holds exactly one FIELD between values and one LINE between lines
    unless a value holds a separator itself; then, or for a value that is not text, the lines'
    values are written out by repr(), which quotes and escapes each.
    """
    if None not in texts:
        text = LINE.join(texts)
        fields = len(records[0])
        if text.count(FIELD) == len(texts) * (fields - 1) and text.count(LINE) == len(texts) - 1:
            if all(len(record) == fields for record in records):
                return text
    return repr([list(record.values()) for record in records])


class RawOrders:
    """The validator process's side: per chunk, which orders are left out and each order's raw digest."""

    def __init__(self, *, settings: str, stored: set[bytes], fill: Callable[[dict], dict]):
        self.stored, self.fill = stored, fill
        self.settings = hashlib.blake2b(settings.encode(), digest_size=16)
        # hash() of every order of the earlier chunks: True for those left out as unchanged. A collision
        # only costs a candidate (or, for one left out, the import starts over): no order is wrongly left out.
        self.seen: dict[int, bool] = {}

    def split(self, chunk: list[tuple[int, dict]]) -> tuple[list, set[int], list[tuple], dict[str, str]]:
        """(lines to validate, the numbers among them only to fill, the orders left out, raw digests by order).

        The orders left out are (external id, customer external id, raw digest) rows; the raw digests
        (hex) are those of every candidate order, to be stored with the orders validated and stored now.
        """
        # The runs of lines of one order (by its order number as written), and each line's values as one text.
        runs: list[tuple[str, int, bool]] = []  # (order, first line's index, its number written plainly)
        texts: list[str | None] = []
        previous = _NOTHING
        for index, (_number, record) in enumerate(chunk):
            raw = record.get("external_id")
            if raw != previous:
                previous = raw
                if type(raw) is str and len(raw) <= ORDER_ID_LIMIT and raw and raw == raw.strip():
                    runs.append((raw, index, True))
                else:
                    runs.append(("" if raw is None else str(raw).strip()[:ORDER_ID_LIMIT], index, False))
            try:
                texts.append(FIELD.join(record.values()))
            except TypeError:
                texts.append(None)
        runs.append(("", len(chunk), False))
        # An order is a candidate when it is one run, written plainly, new to the file.
        counts: dict[str, int] = {}
        for key, _index, _plain in runs:
            counts[key] = counts.get(key, 0) + 1
        seen, stored, settings = self.seen, self.stored, self.settings
        digests: dict[str, str] = {}
        fill_only: set[int] = set()
        left_out: list[tuple] = []
        todo: list[tuple[int, dict]] = []
        for (key, start, plain), (_next, end, _p) in zip(runs, runs[1:], strict=False):
            lines = chunk[start:end]
            was = seen.get(hash(key))
            if was is not None:
                if was:
                    raise Reread(key)
                todo += lines
                continue
            customer = self._customer(lines) if plain and counts[key] == 1 else None
            if customer is None:
                todo += lines
                continue
            records = [record for _number, record in lines]
            digest = settings.copy()
            digest.update(FIELD.join(records[0]).encode())
            digest.update(HEAD.encode())
            digest.update(_order_text(texts[start:end], records).encode())
            value = digest.digest()
            digests[key] = hexed = value.hex()
            if value + customer.encode() in stored:
                left_out.append((key, customer, hexed))
                fill_only.add(lines[0][0])
                todo.append(lines[0])
            else:
                todo += lines
        for key, _index, _plain in runs[:-1]:
            seen[hash(key)] = False
        for key, _customer, _hexed in left_out:
            seen[hash(key)] = True
        return todo, fill_only, left_out, digests

    @staticmethod
    def _customer(lines: list[tuple[int, dict]]) -> str | None:
        """The customer external id every line names (the first names it, the others it or none), else None."""
        first = lines[0][1].get("customer_external_id")
        if type(first) is not str:
            return None
        # As the preparer stores it: an e-mail in lower case, a phone as digits; a guest's 0 is none.
        customer = customer_key(first)[:ORDER_ID_LIMIT]
        if not customer:
            return None
        for _number, record in lines[1:]:
            value = record.get("customer_external_id")
            if type(value) is not str:
                return None
            if value != first:
                value = customer_key(value)
                if value and value[:ORDER_ID_LIMIT] != customer:
                    return None
        return customer
