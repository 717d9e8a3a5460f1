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

# The code that decides what an order's lines become: a change to any of it makes every stored raw digest differ.
_SOURCES = [
    "customers/services.py",
    "imports/cleaning.py",
    "imports/fast_clean.py",
    "imports/fast_rows.py",
    "imports/pg_fast.py",
    "imports/raw_orders.py",
    "imports/services.py",
]
_ROOT = Path(__file__).resolve().parent.parent
CODE = hashlib.md5(b"".join((_ROOT / name).read_bytes() for name in _SOURCES)).hexdigest()
FIELD, LINE, HEAD = "\x1f", "\x1e", "\x1d"
ORDER_ID_LIMIT = 100  # Purchase.external_id's length: longer ids are cut, so two raw ids may make one order


class Reread(Exception):  # noqa: N818 (a signal: the import starts over without the shortcut)
    """An order left out as unchanged turned out not to be whole in its chunk, or changed meanwhile."""


def stored_raw_digests(cursor, *, organization_id: int) -> set[bytes]:
    """Each stored order's raw digest hashed with its customer's external id (16 bytes each), as one read.

    Only orders whose `digest` is still set: any other writer that changes an order empties it.
    """
    cursor.execute(
        f"""
        SELECT string_agg(decode(md5(encode(uuid_send(p.raw_digest), 'hex') || ':' || c.external_id), 'hex'),
                          ''::bytea)
        FROM {Purchase._meta.db_table} p JOIN {Customer._meta.db_table} c ON c.id = p.customer_id
        WHERE p.organization_id = %s AND p.raw_digest IS NOT NULL AND p.digest IS NOT NULL
        """,
        [organization_id],
    )
    blob = bytes(cursor.fetchone()[0] or b"")
    return {blob[i : i + 16] for i in range(0, len(blob), 16)}


def _line_text(values: list) -> str:
    """One line's values as text that no other values give (repr where a value is not text or holds a separator)."""
    try:
        text = FIELD.join(values)
    except TypeError:
        return repr(values)
    if text.count(FIELD) != len(values) - 1 or LINE in text or HEAD in text:
        return repr(values)
    return text


class RawOrders:
    """The validator process's side: per chunk, which orders are left out and each order's raw digest."""

    def __init__(self, *, settings: str, stored: set[bytes], fill: Callable[[dict], dict]):
        self.settings, self.stored, self.fill = settings, stored, fill
        self.seen: set[str] = set()  # every order of the earlier chunks
        self.left_out: set[str] = set()  # those of them left out as unchanged

    def split(self, chunk: list[tuple[int, dict]]) -> tuple[list, set[int], list[tuple], dict[str, str]]:
        """(lines to validate, the numbers among them only to fill, the orders left out, raw digests by order).

        The orders left out are (external id, customer external id, raw digest) rows; the raw digests (hex) are those
        of every candidate order, to be stored with the orders that are validated and stored now.
        """
        groups: dict[str, list[tuple[int, dict]]] = {}
        plain: dict[str, bool] = {}
        previous = None
        for item in chunk:
            raw = item[1].get("external_id")
            if type(raw) is str and len(raw) <= ORDER_ID_LIMIT and raw and raw == raw.strip():
                key, is_plain = raw, True
            else:
                key, is_plain = ("" if raw is None else str(raw).strip()[:ORDER_ID_LIMIT]), False
            if key != previous:
                if key in groups:
                    plain[key] = False  # not one line after another
                else:
                    groups[key], plain[key] = [], True
                previous = key
            groups[key].append(item)
            if not is_plain:
                plain[key] = False
        digests: dict[str, str] = {}
        skipped_numbers: set[int] = set()
        fill_only: set[int] = set()
        left_out: list[tuple] = []
        for key, lines in groups.items():
            if key in self.seen:
                if key in self.left_out:
                    raise Reread(key)
                continue
            customer = self._customer(lines) if plain[key] and key else None
            if customer is None:
                continue
            head = lines[0][1]
            text = LINE.join([self.settings, FIELD.join(head), *(_line_text(list(r.values())) for _n, r in lines)])
            digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
            digests[key] = digest.hex()
            if hashlib.md5(f"{digests[key]}:{customer}".encode()).digest() in self.stored:
                left_out.append((key, customer, digests[key]))
                self.left_out.add(key)
                skipped_numbers.update(number for number, _r in lines)
                fill_only.add(lines[0][0])
        self.seen.update(groups)
        if not left_out:
            return chunk, fill_only, left_out, digests
        todo = [item for item in chunk if item[0] not in skipped_numbers or item[0] in fill_only]
        return todo, fill_only, left_out, digests

    @staticmethod
    def _customer(lines: list[tuple[int, dict]]) -> str | None:
        """The customer external id every line names (the first names it, the others it or none), else None."""
        first = lines[0][1].get("customer_external_id")
        if type(first) is not str:
            return None
        customer = first.strip()[:ORDER_ID_LIMIT]
        if not customer:
            return None
        for _number, record in lines[1:]:
            value = record.get("customer_external_id")
            if type(value) is not str:
                return None
            if value != first:
                value = value.strip()
                if value and value[:ORDER_ID_LIMIT] != customer:
                    return None
        return customer
