"""The plain-line shortcut to the COPY row (fast_rows) gives what the preparer, validator and encoder give."""

import itertools
from decimal import Decimal

import pytest

from otklik.customers.services import RowError, order_fields_filler
from otklik.imports.cleaning import ReadOptions, SkipRow, purchase_preparer
from otklik.imports.fast_clean import purchase_cleaner
from otklik.imports.fast_rows import staging_encoder
from otklik.imports.pg_fast import STAGING_COLUMNS, _staging_row, staging_rows
from otklik.imports.services import ImportReport
from otklik.imports.tests.test_fast_clean import LOCATIONS, TZ, VALUES

# The staging columns' scales (quantity, unit price, amount): what PostgreSQL stores from either text.
SCALES = {4: Decimal("0.001"), 5: Decimal("0.0001"), 6: Decimal("0.01")}
MORE = {
    "quantity": ["-0", "0", "007", "-2.5", "3.125"],
    "amount": ["-0.00", "5", "0"],
    "unit_price": ["12", "0.0001"],
    "currency": ["руб", "USD", "€", "us$"],
    "status": ["Отменён", "refunded", "partially refunded", "[3] Отменен"],
    "external_id": ["C123", "c123", "C12x"],
    "purchased_at": ["1.3.2025 10:00", "03/01/2025 10:00", "3/1/2025", "2025-03-01T10:00"],
    "customer_external_id": ["ann@example.com"],
}


class Pair:
    """The slow path (preparer, validator, _staging_row) and the shortcut, each with its own order heads."""

    def __init__(self, options: ReadOptions):
        self.prepare = purchase_preparer(options)
        self.validate = purchase_cleaner(tz=TZ, locations=LOCATIONS, currency="EUR")
        fill = order_fields_filler()
        self.encode = staging_encoder(options=options, fill=fill, tz=TZ, locations=LOCATIONS, currency="EUR")

    def slow(self, line: int, record: dict):
        try:
            return _staging_row(line, self.validate(self.prepare(dict(record))))
        except (RowError, SkipRow) as exc:
            return ("refused", type(exc).__name__)

    def fast(self, line: int, record: dict):
        return self.encode(line, dict(record))


def stored(row: tuple) -> tuple:
    """A staging row as PostgreSQL stores it: numbers at their column's scale, everything else as text."""
    return tuple(
        (None if value is None else Decimal(str(value)).quantize(SCALES[index]))
        if index in SCALES
        else (value if value is None or isinstance(value, int) else str(value))
        for index, value in enumerate(row)
    )


GOOD_DATES = {"dmy": "01.03.2025 10:00", "mdy": "3/1/2025 10:00"}


def varied(date_format: str) -> list[dict]:
    """Every value of each field beside a good line (dated in the format), and lines lacking two columns."""
    values = {name: [*options, *MORE.get(name, [])] for name, options in VALUES.items()}
    good = {name: options[0] for name, options in values.items()}
    good["purchased_at"] = GOOD_DATES.get(date_format, good["purchased_at"])
    out = [good | {name: value} for name, options in values.items() for value in options]
    out += [{k: v for k, v in good.items() if k not in absent} for absent in itertools.combinations(good, 2)]
    return out


OPTIONS = [
    ReadOptions(currency="RUB", date_format="iso"),
    ReadOptions(currency="", date_format="dmy"),
    ReadOptions(currency="GBP", date_format="mdy", without_customer="skip"),
    ReadOptions(currency="RUB", date_format=""),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: o.date_format or "none")
def test_a_line_the_shortcut_takes_is_stored_as_the_validator_stores_it(options):
    taken = 0
    for record in varied(options.date_format):
        pair = Pair(options)
        fast = pair.fast(7, record)
        if fast is not None:
            taken += 1
            assert stored(fast) == stored(pair.slow(7, record)), record
    assert taken > 50  # the common lines do take the shortcut


def test_the_lines_of_an_order_fill_each_other_the_same_way_on_both_paths():
    lines = [
        {"external_id": "R1", "customer_external_id": "C1", "product_external_id": "P1", "quantity": "2",
         "amount": "10", "purchased_at": "2025-03-01 10:00:00", "currency": "usd", "customer_name": "Anna"},
        {"external_id": "R1", "customer_external_id": "", "product_external_id": "P2", "quantity": "-1",
         "amount": "4.5", "purchased_at": "", "currency": "", "customer_name": ""},
        {"external_id": "R2", "customer_external_id": "C2", "product_external_id": "P1", "quantity": "1",
         "unit_price": "3.333", "purchased_at": "2025-03-02 11:00:00"},
        {"external_id": "R1", "customer_external_id": "C1", "product_external_id": "P3", "quantity": "1",
         "amount": "1", "purchased_at": "", "currency": "", "customer_name": ""},
    ]  # fmt: skip
    options = ReadOptions(currency="RUB", date_format="iso")
    slow_pair, fast_pair = Pair(options), Pair(options)
    for line, record in enumerate(lines, start=2):
        fast = fast_pair.fast(line, record)
        assert fast is not None  # every one is plain once filled
        assert stored(fast) == stored(slow_pair.slow(line, record))
    assert stored(fast_pair.fast(9, lines[1]))[6] == Decimal("-4.50")  # a return's amount takes the sign


def test_a_line_the_shortcut_leaves_goes_to_the_validator_for_its_reasons():
    pair = Pair(ReadOptions(currency="RUB", date_format="iso"))
    bad = {"external_id": "R1", "customer_external_id": "C1", "product_external_id": "P1", "quantity": "x",
           "purchased_at": "2025-03-01 10:00:00"}  # fmt: skip
    assert pair.fast(2, bad) is None
    assert pair.fast(2, bad | {"quantity": "1", "purchased_at": "2025-02-30 10:00:00"}) is None
    assert pair.fast(2, bad | {"quantity": "1", "location": "Nowhere"}) is None
    assert pair.fast(2, bad | {"quantity": "1", "customer_external_id": ""}) is None  # anonymous: counted there


def test_a_1c_line_with_a_sum_and_no_quantity_takes_the_shortcut_as_one_piece():
    pair = Pair(ReadOptions(currency="RUB", date_format="dmy"))
    line = {"external_id": "R1", "purchased_at": "01.03.2025 10:05", "customer_external_id": "C1",
            "customer_name": "Customer 1", "customer_phone": "+7 916 000-00-01", "product_external_id": "P1",
            "product_name": "Product 1", "amount": "100.50", "location": "Main Street"}  # fmt: skip
    fast = pair.fast(2, line)
    assert fast is not None and stored(fast) == stored(pair.slow(2, line))
    assert stored(fast)[4] == Decimal("1.000") and fast[14] == "79160000001"


def test_an_orders_first_staged_line_carries_its_first_nonempty_customer_place_and_seller():
    def row(line, order, customer, place, seller):
        return (
            line,
            order,
            customer,
            "P1",
            "1",
            None,
            "1.00",
            "RUB",
            "2026-01-01 00:00:00+00:00",
            place,
            seller,
            0,
            "",
            "",
            "",
            "",
            "",
        )

    rows = [
        row(1, "A", "", None, ""),
        row(2, "B", "c2", 7, ""),
        row(3, "A", "c1", None, "emma"),
        row(4, "A", "c9", 8, "max"),
        row(5, "B", "c3", None, "ann"),
    ]

    def clean(record):
        return record

    clean.staging_row = lambda _number, record: record  # each record here is already its staging row
    staged = staging_rows(
        [(number, record) for number, record in enumerate(rows, 1)], clean, ImportReport(kind="purchases")
    )
    names = [name for name, _type in STAGING_COLUMNS]
    heads = [{name: value for name, value in zip(names, staged_row, strict=True)} for staged_row in staged]
    picked = [
        (h["external_id"], h["pos"], h["head_customer"], h["head_location_id"], h["head_employee"]) for h in heads
    ]
    assert picked == [
        ("A", 1, "c1", 8, "emma"),
        ("B", 1, "c2", 7, "ann"),
        ("A", 2, "", None, ""),
        ("A", 3, "", None, ""),
        ("B", 2, "", None, ""),
    ]
