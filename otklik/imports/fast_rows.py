"""COPY rows for the PostgreSQL fast path made straight from plain records, one step where there were three.

A re-import of a nightly file waits on the validator process (ADR 0021): every line
went through the preparer (cleaning.purchase_preparer), the validator (fast_clean)
and the staging encoder (pg_fast_validator._staging_row), building Decimals and datetimes that
the COPY turned back into text for PostgreSQL to parse again. A plain line — ids
without surrounding spaces, numbers written plainly, a date in the decided format,
a known place, a customer named — needs none of that: its numbers go to COPY as
written (PostgreSQL's numeric columns take "3" as 3.000, the value Decimal's
quantize gives, and the patterns let through no digit that would be rounded), and
what repeats (dates, currencies, statuses, places, the inline customer's details)
is worked out once per distinct value, by the very functions the slow path calls.

Anything else returns None and the caller runs the whole validator on the record,
so every stored value and every reason given stays the validator's own; the tests
compare both on varied rows.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from otklik.customers import services as customers
from otklik.imports.cleaning import (
    CURRENCY_WORDS,
    ISO_SECONDS,
    ReadOptions,
    customer_key,
    joined_name,
    order_status,
    parse_date,
    with_time,
)
from otklik.imports.fast_clean import CENT, CURRENCY, INLINE, PLAIN_AMOUNT, PLAIN_PRICE, PLAIN_QUANTITY

CACHE_LIMIT = 50_000
_MISSING = object()
_BAD = object()  # a cached value the fast lane cannot take: the record goes to the validator
CANCELLED = customers.OrderStatus.CANCELLED.value
StagingRow = tuple
NAME, EMAIL, PHONE, LANGUAGE = INLINE


def _cached(compute: Callable[[object], object]) -> Callable[[object], object]:
    """compute(value) remembered per value (at most CACHE_LIMIT of them); _BAD when it raises."""
    cache: dict = {}

    def get(value):
        try:
            return cache[value]
        except KeyError:
            pass
        except TypeError:  # not hashable: not a plain value
            return _BAD
        try:
            result = compute(value)
        except (customers.RowError, ValueError, ArithmeticError):
            result = _BAD
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[value] = result
        return result

    return get


def _text(value, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _nonzero(number: str) -> bool:
    return bool(number.strip("-0."))


def staging_encoder(
    *, options: ReadOptions, fill: Callable[[dict], dict], tz, locations: dict[str, int], currency: str
) -> Callable[[int, dict], StagingRow | None]:
    """A function (row number, record) → the record's staging row, or None for the validator to decide.

    `fill` must be the preparer's own order_fields_filler: a record is filled here first
    (filling twice changes nothing), so both see the same order heads. `options`, `tz`,
    `locations` and `currency` are those the preparer and the validator were made with.
    """
    date_format = options.date_format

    def moment_text(raw):
        # purchase_preparer's date step, then fast_clean's, then the COPY's text of the result.
        if type(raw) is not str or not raw:
            return _BAD
        value = raw
        if not (date_format == "iso" and ISO_SECONDS.fullmatch(raw)):
            value = parse_date(raw, date_format) if date_format else raw
            if value is None:
                return _BAD
        if type(value) is str and len(value) == 19 and ISO_SECONDS.fullmatch(value):
            moment = datetime.fromisoformat(value).replace(tzinfo=tz)
        else:
            moment = customers.parse_moment(value, tz=tz)
        return _BAD if moment is None else str(moment)

    def currency_of(raw):
        raw_currency = str(raw or "").strip()
        prepared = CURRENCY_WORDS.get(raw_currency.lower(), raw_currency.upper()) if raw_currency else options.currency
        code = _text(prepared, 10).upper() or currency
        return code if CURRENCY.fullmatch(code) else _BAD

    def status_of(raw):
        # The preparer's word, then the validator's mark of it; the order number's C is added per line.
        word = order_status(raw)
        return customers.status_mark(external_id="", status=_text(word, 60)) if word else ""

    def location_of(raw):
        name = _text(raw, 200)
        if not name:
            return None
        found = locations.get(name.lower())
        return _BAD if found is None else found

    def inline_of(key):
        given = zip(INLINE, key[1:], strict=True)
        raw = {name.removeprefix("customer_"): value for name, value in given if value is not _MISSING}
        raw["external_id"] = key[0]
        inline = customers.customer_clean(raw)
        return (inline.get("name", ""), inline.get("email", ""), inline.get("phone", ""), inline.get("language", ""))

    moments, currencies, statuses, places, inlines, customer_keys, document_words = map(
        _cached, (moment_text, currency_of, status_of, location_of, inline_of, customer_key, order_status)
    )

    def encode(line: int, record: dict) -> StagingRow | None:
        fill(record)
        # As the preparer joins them (the record stays joined for it if this lane gives the record up).
        if "purchased_time" in record:
            record["purchased_at"] = with_time(record.get("purchased_at"), record.pop("purchased_time"))
        if "customer_last_name" in record:
            record[NAME] = joined_name(record.get(NAME), record.pop("customer_last_name"))
        get = record.get
        order, customer, product = get("external_id"), get("customer_external_id"), get("product_external_id")
        if not (type(order) is str and type(customer) is str and type(product) is str):
            return None
        if not (order and customer and product) or "@" in customer:
            return None
        if len(order) > 100 or len(customer) > 100 or len(product) > 100:
            return None
        if order != order.strip() or customer != customer.strip() or product != product.strip():
            return None
        if get("cancelled_at"):
            return None  # a cancellation date: the preparer marks the order
        if "refunded_amount" in record:
            return None  # a refund column: the preparer takes each order's refund off its lines
        if "document_type" in record and document_words(record["document_type"]):
            return None  # a return document (or a word the preparer reads): the preparer turns its lines
        if customer_keys(customer) != customer:
            return None  # a guest's 0, or a phone number spelled with marks: the preparer decides
        quantity = get("quantity")
        counted = quantity is not None and quantity != ""
        if not counted:
            quantity = "1"  # a line without a quantity is one piece, as the validator takes it
        elif type(quantity) is not str or not PLAIN_QUANTITY.fullmatch(quantity):
            return None
        price = get("unit_price")
        if price is None or price == "":
            price = None
        elif type(price) is not str or not PLAIN_PRICE.fullmatch(price):
            return None
        amount = get("amount")
        if amount is None or amount == "":
            if price is None or not counted:
                return None
            # As the preparer computes it; then the validator's pattern, as for a written amount.
            amount = str((Decimal(quantity) * Decimal(price)).quantize(CENT))
        if type(amount) is not str or not PLAIN_AMOUNT.fullmatch(amount):
            return None
        if quantity[0] == "-" and amount[0] != "-" and _nonzero(quantity) and _nonzero(amount):
            amount = "-" + amount  # a returned line's amount written without its sign
        moment = moments(get("purchased_at"))
        code = currencies(get("currency"))
        place = places(get("location"))
        mark = statuses(get("status")) if "status" in record else ""
        if moment is _BAD or code is _BAD or place is _BAD or mark is _BAD:
            return None
        if not mark and order[0] in "Cc" and customers.CANCELLATION_NUMBER.fullmatch(order):
            mark = CANCELLED
        inline = inlines(
            (customer, get(NAME, _MISSING), get(EMAIL, _MISSING), get(PHONE, _MISSING), get(LANGUAGE, _MISSING))
        )
        if inline is _BAD:
            return None
        return (
            line,
            order,
            customer,
            product,
            quantity,
            price,
            amount,
            code,
            moment,
            place,
            _text(get("employee"), 200),
            customers.MARK_RANK[mark],
            *inline,
            _text(get("product_name"), 200),
        )

    return encode
