import itertools
import zoneinfo
from datetime import date, datetime

import pytest

from otklik.customers.services import RowError, purchase_clean
from otklik.imports.fast_clean import purchase_cleaner

TZ = zoneinfo.ZoneInfo("Europe/Moscow")
LOCATIONS = {"main street": 1, "airport": 2}

VALUES = {
    "external_id": ["R1", "  R2 ", "", "x" * 120, None, "C536379"],
    "customer_external_id": ["C1", " C1", "", None],
    "product_external_id": ["P1", "", "p" * 101],
    "amount": ["100.50", "1 234,5", "abc", "", None, "-3", "1e3", "100.505", "99999999999.99", "1e12", 12.5],
    "quantity": ["2", "", "-3", "2,5", "1.2345", "x", None, "1234567890"],
    "unit_price": ["4.95", "", "0.001", "-1", "1 250,50", "x", None],
    "status": ["", "Cancelled", "возврат", "paid", None],
    "currency": ["", "rub", "usd ", "RUBLES", None],
    "purchased_at": [
        "2025-03-01 10:00:00",
        "2025-03-01T10:00:00",
        "2025-02-30 10:00:00",
        "01.03.2025 10:00",
        "01.03.2025",
        "2025-03-01",
        "2025-03-01 10:00:00+03:00",
        "вчера",
        "",
        datetime(2025, 3, 1, 10, 0),
        date(2025, 3, 1),
        "2025-03-01 10:00",
    ],
    "location": ["Main Street", " airport ", "Nowhere", "", None],
    "employee": ["Anna", "", None],
    "customer_name": ["Anna", "", None],
    "customer_email": ["ANNA@example.com", "not-an-email", ""],
    "customer_phone": ["+7 916 123-45-67", "12", ""],
    "customer_language": ["RU", "xx", ""],
    "product_name": ["Coffee", ""],
}


def outcome(clean, record):
    try:
        return clean(record)
    except RowError as exc:
        return ("error", exc.reasons)


def records():
    """Every value of each field beside a good row, and some rows lacking optional columns."""
    good = {name: values[0] for name, values in VALUES.items()}
    for name, values in VALUES.items():
        for value in values:
            yield good | {name: value}
    for size in (1, 2, 3):
        for absent in itertools.combinations(
            [
                "amount",
                "quantity",
                "unit_price",
                "currency",
                "location",
                "employee",
                "customer_name",
                "customer_email",
                "customer_phone",
                "customer_language",
                "product_name",
            ],
            size,
        ):
            yield {name: value for name, value in good.items() if name not in absent}


@pytest.mark.parametrize("record", list(records()))
def test_the_fast_validator_gives_what_purchase_clean_gives(record):
    fast = purchase_cleaner(tz=TZ, locations=LOCATIONS)
    expected = outcome(lambda r: purchase_clean(r, tz=TZ, locations=LOCATIONS), record)
    assert outcome(fast, record) == expected
    assert outcome(fast, record) == expected  # again, from its cache of customers


def test_a_customer_seen_before_with_other_details_is_cleaned_afresh():
    fast = purchase_cleaner(tz=TZ, locations=LOCATIONS)
    base = {
        "external_id": "R1",
        "customer_external_id": "C1",
        "product_external_id": "P1",
        "purchased_at": "2025-03-01 10:00:00",
    }
    assert fast(base | {"customer_name": "Anna"})["customer"]["name"] == "Anna"
    assert fast(base | {"customer_name": "Olga"})["customer"]["name"] == "Olga"
    assert "name" not in fast(base)["customer"]
