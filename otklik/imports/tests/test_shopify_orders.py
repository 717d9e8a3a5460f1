"""Shopify's orders export: an order's customer, dates and currency are on its first row only."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from otklik.customers.models import Purchase, PurchaseLine
from otklik.customers.services import purchases_upsert
from otklik.imports.cleaning import ReadOptions
from otklik.imports.mapping import guess_mapping
from otklik.imports.readers import detect_format
from otklik.imports.services import import_file
from otklik.imports.tests.helpers import write_csv

HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Currency",
    "Subtotal",
    "Total",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Billing Name",
    "Cancelled at",
]


def row(
    name, sku, quantity, price, *, email="", status="", currency="", created="", total="", billing="", cancelled=""
):
    paid = created if status == "paid" else ""
    fulfilment = "fulfilled" if created else ""
    return [name, email, status, paid, fulfilment, currency, total, total, created, quantity, sku.title(), price, sku,
            billing, cancelled]  # fmt: skip


# As Shopify writes it: the first row of an order carries its e-mail, status, currency, totals and dates;
# the order's later rows only their line item.
ROWS = [
    row(
        "#1001",
        "TEA-GREEN",
        "2",
        "12.50",
        email="anna@example.com",
        status="paid",
        currency="USD",
        created="2024-03-01 10:15:30 -0400",
        total="40.00",
        billing="Anna Smith",
    ),  # fmt: skip
    row("#1001", "TEA-BLACK", "1", "10.00"),
    row("#1001", "KETTLE", "1", "5.00"),
    row(
        "#1002",
        "TEA-GREEN",
        "1",
        "12.50",
        email="bob@example.com",
        status="refunded",
        currency="USD",
        created="2024-03-02 09:00:00 -0400",
        total="22.50",
        billing="Bob Jones",
        cancelled="2024-03-03 09:00:00 -0400",
    ),  # fmt: skip
    row("#1002", "TEA-BLACK", "1", "10.00"),
    row(
        "#1003",
        "KETTLE",
        "2",
        "5.00",
        email="anna@example.com",
        status="paid",
        currency="EUR",
        created="2024-03-04 12:00:00 -0400",
        total="10.00",
    ),  # fmt: skip
    # A later row that does carry a date of its own: the order's is still its first row's.
    row("#1003", "TEA-BLACK", "1", "0.00", created="2024-03-09 12:00:00 -0400"),
]


@pytest.fixture(params=[False, True], ids=["orm", "postgresql-fast-path"])
def fast(request):
    if request.param and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    return request.param


def stored(organization) -> dict:
    return {
        "orders": sorted(
            Purchase.objects.filter(organization=organization).values_list(
                "external_id", "customer__external_id", "customer__name", "currency", "status", "amount", "purchased_at"
            )
        ),
        "lines": PurchaseLine.objects.filter(purchase__organization=organization).count(),
    }


EXPECTED = [
    (
        "#1001",
        "anna@example.com",
        "Anna Smith",
        "USD",
        "completed",
        Decimal("40.00"),
        datetime(2024, 3, 1, 14, 15, 30, tzinfo=UTC),
    ),  # fmt: skip
    (
        "#1002",
        "bob@example.com",
        "Bob Jones",
        "USD",
        "cancelled",  # refunded, and cancelled at 2024-03-03: its "Cancelled at" says so
        Decimal("0.00"),
        datetime(2024, 3, 2, 13, 0, tzinfo=UTC),
    ),  # fmt: skip
    (
        "#1003",
        "anna@example.com",
        "Anna Smith",
        "EUR",
        "completed",
        Decimal("10.00"),
        datetime(2024, 3, 4, 16, 0, tzinfo=UTC),
    ),  # fmt: skip
]


@pytest.mark.django_db
@pytest.mark.parametrize("without_customer", ["anonymous", "skip"])
def test_an_orders_later_rows_take_its_first_rows_customer_date_and_currency(world, tmp_path, fast, without_customer):
    world.org.currency = "GBP"
    world.org.time_zone = "UTC"
    world.org.save()
    path = write_csv(tmp_path / "orders_export.csv", [HEADER, *ROWS], delimiter=",")
    mapping = guess_mapping("purchases", HEADER)
    report = import_file(
        organization=world.org,
        kind="purchases",
        path=path,
        fmt=detect_format(path),
        mapping=mapping,
        fast=fast,
        chunk_rows=2,  # an order over two chunks still takes its first row's fields
        options=ReadOptions(currency="GBP", without_customer=without_customer),
    )
    assert report.ok, report.errors
    assert (report.anonymous, report.skipped) == (0, 0)
    assert stored(world.org) == {"orders": EXPECTED, "lines": 7}


@pytest.mark.django_db
def test_the_api_takes_an_orders_fields_from_its_first_line_that_has_them(world):
    world.org.time_zone = "UTC"
    world.org.save()
    first = {"external_id": "#2001", "customer_external_id": "c@example.com", "product_external_id": "TEA"}
    first |= {"purchased_at": "2024-03-01T10:00:00Z", "currency": "USD", "amount": "10.00"}
    result = purchases_upsert(
        organization=world.org,
        records=[
            first,
            {"external_id": "#2001", "product_external_id": "KETTLE", "amount": "5.00", "purchased_at": ""},
            {"external_id": "#2001", "product_external_id": "CUP", "amount": "1.00", "customer_external_id": None},
        ],
    )
    assert (result.errors, result.created) == ({}, 1)
    order = Purchase.objects.get(organization=world.org, external_id="#2001")
    assert (order.customer.external_id, order.currency, order.amount) == ("c@example.com", "USD", Decimal("16.00"))
    assert order.purchased_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert order.lines.count() == 3


@pytest.mark.django_db
def test_a_later_row_of_an_order_that_never_had_a_date_is_still_refused(world, tmp_path):
    rows = [row("#1", "TEA", "1", "1.00", email="a@example.com", currency="USD"), row("#1", "CUP", "1", "1.00")]
    path = write_csv(tmp_path / "orders_export.csv", [HEADER, *rows], delimiter=",")
    report = import_file(
        organization=world.org,
        kind="purchases",
        path=path,
        fmt=detect_format(path),
        mapping=guess_mapping("purchases", HEADER),
        options=ReadOptions(currency="GBP", date_format="iso"),
    )
    assert not report.ok
    assert [number for number, _reasons in report.errors] == [2, 3]
    assert not Purchase.objects.filter(organization=world.org).exists()
