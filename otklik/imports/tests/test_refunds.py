"""Partial refunds (issue 12): an order's refunded amount comes off its net revenue, once per order.

Files are written by the tests in the shape of Shopify's and WooCommerce's order exports and of a
Russian shop's report; the orders are made up. Each test failed on main (the refund column was not
read, so a partially refunded order counted in full).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from otklik.customers.models import Purchase, PurchaseLine
from otklik.imports.tests import test_shop_files as shop
from otklik.imports.tests.test_shop_files import imported, orders, write

fast = shop.fast  # the ORM and PostgreSQL fast path fixture, and the command's connection kept
keep_the_test_connection = shop.keep_the_test_connection


def line_sums(organization) -> dict[str, Decimal]:
    """Each order's sum of its stored lines: revenue is a sum of lines, refunds included."""
    lines = PurchaseLine.objects.filter(purchase__organization=organization)
    return dict(lines.values_list("purchase__external_id").annotate(total=Sum("amount")))


SHOPIFY = ["Name", "Email", "Financial Status", "Currency", "Created at", "Lineitem quantity", "Lineitem name",
           "Lineitem price", "Lineitem sku", "Refunded Amount"]  # fmt: skip


@pytest.mark.django_db
def test_a_shopify_partial_refund_comes_off_the_orders_revenue_once(world, tmp_path, fast):
    created = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    rows = [
        SHOPIFY,
        # Repeated on every line: taken once (35.00 − 12.50).
        ["#1001", "anna@example.com", "partially_refunded", "USD", created, "2", "Green tea", "12.50", "TEA", "12.50"],
        ["#1001", "", "", "", "", "1", "Kettle", "10.00", "KET", "12.50"],
        # Given on the first line only, larger than that line: the rest comes off the next one (22.50 − 15.00).
        ["#1002", "bob@example.com", "partially_refunded", "EUR", created, "1", "Kettle", "10.00", "KET", "15.00"],
        ["#1002", "", "", "", "", "1", "Green tea", "12.50", "TEA", ""],
        # More than the order: never below zero.
        ["#1003", "carl@example.com", "partially_refunded", "USD", created, "1", "Kettle", "10.00", "KET", "40"],
        # Fully refunded: as before (decision 0014), a returned order adding nothing.
        ["#1004", "anna@example.com", "refunded", "USD", created, "1", "Kettle", "10.00", "KET", "10.00"],
        # No refund at all.
        ["#1005", "anna@example.com", "paid", "USD", created, "1", "Kettle", "10.00", "KET", "0.00"],
    ]
    path = write(tmp_path / "orders_export.csv", rows)
    imported(world.org, path, fast=fast)
    expected = [
        ("#1001", "anna@example.com", "completed", Decimal("22.50"), "USD"),
        ("#1002", "bob@example.com", "completed", Decimal("7.50"), "EUR"),
        ("#1003", "carl@example.com", "completed", Decimal("0.00"), "USD"),
        ("#1004", "anna@example.com", "returned", Decimal("0.00"), "USD"),
        ("#1005", "anna@example.com", "completed", Decimal("10.00"), "USD"),
    ]
    assert orders(world.org) == expected
    sums = line_sums(world.org)
    assert {order: sums[order] for order in ("#1001", "#1002", "#1003", "#1005")} == {
        "#1001": Decimal("22.50"),
        "#1002": Decimal("7.50"),
        "#1003": Decimal("0.00"),
        "#1005": Decimal("10.00"),
    }
    # The same file again changes nothing.
    again = imported(world.org, path, fast=fast)
    assert (again.created, again.updated) == (0, 0)
    assert orders(world.org) == expected


WOO = ["Order Number", "Order Status", "Order Date", "Email (Billing)", "Order Currency", "SKU", "Item Name",
       "Quantity", "Item Cost", "Order Refund Amount"]  # fmt: skip


@pytest.mark.django_db
def test_a_woocommerce_order_refund_amount(world, tmp_path, fast):
    day = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    rows = [
        WOO,
        ["501", "completed", day, "dana@example.com", "UAH", "TEA", "Green tea", "3", "100.00", "50.00"],
        ["501", "completed", day, "dana@example.com", "UAH", "KET", "Kettle", "1", "400.00", "50.00"],
        ["502", "completed", day, "dana@example.com", "UAH", "KET", "Kettle", "1", "400.00", ""],
    ]
    imported(world.org, write(tmp_path / "woo.csv", rows), fast=fast)
    assert [(o[0], o[3], o[4]) for o in orders(world.org)] == [
        ("501", Decimal("650.00"), "UAH"),
        ("502", Decimal("400.00"), "UAH"),
    ]


@pytest.mark.django_db
def test_a_russian_shops_refund_column_with_decimal_commas(world, tmp_path, fast):
    day = (timezone.now() - timedelta(days=3)).strftime("%d.%m.%Y")
    rows = [
        ["Номер заказа", "Дата", "Покупатель", "Товар", "Количество", "Цена", "Сумма", "Валюта", "Сумма возврата"],
        ["A-7", day, "000017", "Чайник", "1", "1 500,00", "1 500,00", "RUB", "200,50"],
        ["A-7", day, "000017", "Чай", "2", "250,00", "500,00", "RUB", "200,50"],
    ]
    imported(world.org, write(tmp_path / "report.csv", rows, delimiter=";"), fast=fast)
    assert [(o[0], o[1], o[3]) for o in orders(world.org)] == [("A-7", "000017", Decimal("1799.50"))]
    assert Purchase.objects.get(organization=world.org, external_id="A-7").status == "completed"
