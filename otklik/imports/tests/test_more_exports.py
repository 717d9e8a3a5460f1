"""Shops, POS systems and CRMs not tried before (decision 0074): Square, Etsy, Amazon, Stripe,
Эвотор, МойСклад, Checkbox, iiko, Poster, KeyCRM, SalesDrive, and a bank-style report with month names.

Every file is written by the test in the shape its product exports (its headers, separators, dates,
amounts and document types); the rows are codes and numbers made up for the test. Each goes through
`otklik import purchases FILE --org acme` with no mapping flags, as a new user would bring it, and what
was stored (orders, customers, dates, net amounts, employees) is compared with what the file says.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from otklik.customers.models import Purchase
from otklik.imports.cleaning import AmbiguousDates, date_format_of, parse_date
from otklik.imports.mapping import guess_mapping, mapping_problems
from otklik.imports.tests.test_marketplace_files import (
    command,
    invited,
    keep_the_test_connection,  # noqa: F401 (a fixture)
    orders,
    recently,
    write_csv,
)


def moments(organization) -> dict[str, datetime]:
    """Each order's moment, in UTC."""
    return {
        order: moment.astimezone(UTC)
        for order, moment in Purchase.objects.filter(organization=organization).values_list(
            "external_id", "purchased_at"
        )
    }


def employees(organization) -> dict[str, str]:
    return dict(Purchase.objects.filter(organization=organization).values_list("external_id", "employee_name"))


# Square: "Item sales" detail export (one row per item; a refund is its own row, "Event Type" Refund)

SQUARE = ["Date", "Time", "Time Zone", "Category", "Item", "Qty", "Price Point Name", "SKU", "Modifiers Applied",
          "Gross Sales", "Discounts", "Net Sales", "Tax", "Transaction ID", "Payment ID", "Device Name", "Notes",
          "Details", "Event Type", "Location", "Dining Option", "Customer ID", "Customer Name",
          "Customer Reference ID", "Unit", "Count", "Itemization Type", "Channel"]  # fmt: skip


@pytest.mark.django_db
def test_a_square_item_sales_export(world, tmp_path, capsys):
    zone = "Eastern Time (US & Canada)"
    rows = [
        SQUARE,
        ["2026-11-01", "09:15:02", zone, "Coffee", "Latte", "2", "Large", "LAT-L", "", "$9.00", "-$1.00", "$8.00",
         "$0.72", "TX1", "PAY1", "iPad", "", "", "Payment", "Main Street", "For Here", "CUST1", "Alex", "", "ea", "2",
         "Physical Item", "Point of Sale"],
        ["2026-11-01", "09:15:02", zone, "Bakery", "Bun", "1", "Regular", "BUN", "", "$3.50", "$0.00", "$3.50",
         "$0.28", "TX1", "PAY1", "iPad", "", "", "Payment", "Main Street", "For Here", "CUST1", "Alex", "", "ea", "1",
         "Physical Item", "Point of Sale"],
        ["2026-11-02", "11:40:10", zone, "Coffee", "Latte", "3", "Large", "LAT-L", "", "$1,234.56", "$0.00",
         "$1,234.56", "$0.36", "TX2", "PAY2", "iPad", "", "", "Payment", "Main Street", "To Go", "CUST2", "Sam", "",
         "ea", "3", "Physical Item", "Point of Sale"],
        ["2026-11-03", "12:00:00", zone, "Coffee", "Latte", "-1", "Large", "LAT-L", "", "($4.50)", "$0.00", "($4.50)",
         "($0.36)", "TX3", "PAY3", "iPad", "", "", "Refund", "Main Street", "To Go", "CUST2", "Sam", "", "ea", "-1",
         "Physical Item", "Point of Sale"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "items.csv", rows, delimiter=","), capsys)
    # Refused before: no order column ("Transaction ID" unknown), and no amount ("Net Sales" unknown).
    assert orders(world.org) == [
        ("TX1", "CUST1", "completed", Decimal("11.50"), "USD"),  # net of the discount
        ("TX2", "CUST2", "completed", Decimal("1234.56"), "USD"),
        ("TX3", "CUST2", "returned", Decimal("-4.50"), "USD"),
    ]
    # The time is a column of its own beside the date: joined, not noon.
    assert moments(world.org)["TX2"].astimezone(world.org.zone).strftime("%Y-%m-%d %H:%M:%S") == "2026-11-02 11:40:10"


# Etsy: "Sold Order Items" (Sale Date as 12/07/26, the buyer's user name)

ETSY = ["Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details", "Discount Amount",
        "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total", "Currency", "Transaction ID",
        "Listing ID", "Date Paid", "Date Shipped", "Ship Name", "Ship City", "Ship State", "Ship Zipcode",
        "Ship Country", "Order ID", "Variations", "Order Type", "Listings Type", "Payment Type", "SKU"]  # fmt: skip


@pytest.mark.django_db
def test_an_etsy_sold_order_items_export(world, tmp_path, capsys):
    def row(date, item, buyer, quantity, price, total, transaction, order, sku):
        return [date, item, buyer, quantity, price, "", "", "0", "0", "5.00", "0", total, "USD", transaction, "1",
                date, "", "B", "T", "NY", "10001", "United States", order, "", "online", "listing", "online_cc",
                sku]  # fmt: skip

    rows = [
        ETSY,
        row("11/01/26", "Mug A", "buyer_one", "2", "15.00", "30.00", "3001", "2001", "MUG-A"),
        row("11/01/26", "Mug B", "buyer_one", "1", "20.00", "20.00", "3002", "2001", "MUG-B"),
        row("11/15/26", "Mug A", "buyer_two", "1", "15.00", "15.00", "3003", "2002", "MUG-A"),
    ]
    command(write_csv(tmp_path / "EtsySoldOrderItems2026.csv", rows, delimiter=","), capsys)
    # Refused before: "Sale Date" unknown. The order is "Order ID", not the line's "Transaction ID".
    assert orders(world.org) == [
        ("2001", "buyer_one", "completed", Decimal("50.00"), "USD"),
        ("2002", "buyer_two", "completed", Decimal("15.00"), "USD"),
    ]
    assert moments(world.org)["2002"].date().isoformat() == "2026-11-15"


# Amazon: the "All Orders" report, tab-separated, purchase-date with its zone, item-price for the whole quantity

AMAZON = ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
          "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
          "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
          "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
          "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order"]  # fmt: skip


@pytest.mark.django_db
def test_an_amazon_all_orders_report(world, tmp_path, capsys):
    def row(order, at, status, name, sku, asin, quantity, price):
        return [order, "", at, at, status, "Amazon", "Amazon.com", "", "Standard", name, sku, asin, status, quantity,
                "USD", price, "", "", "", "", "", "", "", "TOWN", "NY", "10001", "US", "", "false"]  # fmt: skip

    rows = [
        AMAZON,
        row("111-0000001-0000001", "2026-11-01T14:22:10+00:00", "Shipped", "Thing A", "TA-1", "B01", "2", "40.00"),
        row("111-0000002-0000002", "2026-11-02T09:00:00-08:00", "Cancelled", "Thing B", "TB-2", "B02", "1", ""),
        row("111-0000003-0000003", "2026-11-03T23:30:00Z", "Shipped", "Thing B", "TB-2", "B02", "1", "25.00"),
    ]
    command(write_csv(tmp_path / "orders.txt", rows, delimiter="\t"), capsys)
    # Refused before: "amazon-order-id" unknown. "item-price" is the line's, for its two pieces: 40, not 80.
    assert orders(world.org) == [
        ("111-0000001-0000001", None, "completed", Decimal("40.00"), "USD"),
        ("111-0000002-0000002", None, "cancelled", Decimal("0.00"), "USD"),
        ("111-0000003-0000003", None, "completed", Decimal("25.00"), "USD"),
    ]
    assert moments(world.org)["111-0000002-0000002"] == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)


# Stripe: the payments export (no product code: the payment's description names what was paid for)

STRIPE = ["id", "Description", "Seller Message", "Created date (UTC)", "Amount", "Amount Refunded", "Currency",
          "Converted Amount", "Converted Amount Refunded", "Fee", "Tax", "Converted Currency", "Mode", "Status",
          "Statement Descriptor", "Customer ID", "Customer Description", "Customer Email", "Captured", "Card ID",
          "Invoice ID", "Transfer"]  # fmt: skip


@pytest.mark.django_db
def test_a_stripe_payments_export(world, tmp_path, capsys):
    def row(charge, plan, at, amount, refunded, status, customer, email):
        return [charge, plan, "", at, amount, refunded, "usd", amount, refunded, "0.66", "0", "usd", "Live", status,
                "SHOP", customer, "", email, "true", "card_1", "", ""]  # fmt: skip

    rows = [
        STRIPE,
        row("ch_1", "Plan A", "2026-11-01 14:22:10", "12.50", "0.00", "Paid", "cus_1", "one@example.com"),
        row("ch_2", "Plan B", "2026-11-02 10:00:00", "30.00", "30.00", "Refunded", "cus_2", "two@example.com"),
        row("ch_3", "Plan A", "2026-11-03 10:00:00", "12.50", "0.00", "Failed", "cus_1", "one@example.com"),
    ]
    command(write_csv(tmp_path / "unified_payments.csv", rows, delimiter=","), capsys)
    # Refused before: no product code column, "Created date (UTC)" unknown.
    assert orders(world.org) == [
        ("ch_1", "cus_1", "completed", Decimal("12.50"), "USD"),
        ("ch_2", "cus_2", "returned", Decimal("0.00"), "USD"),
        ("ch_3", "cus_1", "cancelled", Decimal("0.00"), "USD"),  # a failed payment is no sale
    ]


def test_a_product_code_is_not_required_beside_a_product_name():
    assert mapping_problems("purchases", {"external_id": 0, "purchased_at": 1, "product_name": 2}) == []
    assert mapping_problems("purchases", {"external_id": 0, "purchased_at": 1}) == [
        "No column is chosen for the required field “product_external_id”."
    ]


# Cash registers: a return is a receipt of its own, its lines written positive


@pytest.mark.django_db
def test_an_evotor_receipts_export_with_a_return_receipt(world, tmp_path, capsys):
    at, later = recently(3, "%d.%m.%Y %H:%M:%S"), recently(2, "%d.%m.%Y %H:%M:%S")
    rows = [
        ["Дата и время", "Номер чека", "Тип чека", "Магазин", "Сотрудник", "Наименование", "Код товара", "Количество",
         "Цена", "Сумма", "Номер телефона покупателя"],
        [at, "15", "Продажа", "Main Street", "Кассир 1", "Хлеб", "101", "1", "50,00", "50,00", "+79160000001"],
        [at, "15", "Продажа", "Main Street", "Кассир 1", "Молоко", "102", "2", "80,00", "160,00", "+79160000001"],
        [later, "16", "Возврат", "Main Street", "Кассир 1", "Молоко", "102", "1", "80,00", "80,00", "+79160000001"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "evotor.csv", rows, delimiter=";"), capsys)
    # Before: «Тип чека» unknown, the return receipt counted as a second sale (revenue 290 instead of 130).
    assert orders(world.org) == [
        ("15", "79160000001", "completed", Decimal("210.00"), "RUB"),
        ("16", "79160000001", "returned", Decimal("-80.00"), "RUB"),
    ]
    assert employees(world.org)["15"] == "Кассир 1"
    assert invited(world.org) == ["15"]


@pytest.mark.django_db
def test_a_checkbox_receipts_export(world, tmp_path, capsys):
    rows = [
        ["Фіскальний номер", "Дата та час", "Тип", "Касир", "Каса", "Назва товару", "Код товару", "Кількість", "Ціна",
         "Сума", "Знижка"],
        ["CB-1", "2026-11-01T10:00:00+02:00", "Продаж", "Касир 1", "Каса 1", "Товар 1", "101", "2", "100.00", "200.00",
         "0"],
        ["CB-2", "2026-11-02T11:00:00+02:00", "Повернення", "Касир 1", "Каса 1", "Товар 1", "101", "1", "100.00",
         "100.00", "0"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "checkbox.csv", rows, delimiter=","), capsys)
    # Refused before: «Фіскальний номер» and «Дата та час» unknown; then the return was a second sale.
    assert orders(world.org) == [
        ("CB-1", None, "completed", Decimal("200.00"), "RUB"),
        ("CB-2", None, "returned", Decimal("-100.00"), "RUB"),
    ]
    assert moments(world.org)["CB-1"] == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_moysklad_retail_sales_export(world, tmp_path, capsys):
    rows = [
        ["Время", "Номер", "Контрагент", "Точка продаж", "Товар", "Код", "Количество", "Цена", "Сумма", "Тип"],
        ["01.11.2026 10:00", "00001", "Розничный покупатель", "Main Street", "Товар 1", "00011", "1", "1 234,50 ₽",
         "1 234,50 ₽", "Продажа"],
        ["02.11.2026 11:00", "00002", "+7 916 000-00-01", "Main Street", "Товар 2", "00012", "2", "100,00 ₽",
         "200,00 ₽", "Продажа"],
        ["03.11.2026 12:00", "00003", "+7 916 000-00-01", "Main Street", "Товар 2", "00012", "1", "100,00 ₽",
         "100,00 ₽", "Возврат"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "retaildemand.csv", rows, delimiter=";"), capsys)
    # Refused before: «Время» unknown. «Розничный покупатель» is МойСклад's buyer it does not know: no customer.
    assert orders(world.org) == [
        ("00001", None, "completed", Decimal("1234.50"), "RUB"),
        ("00002", "79160000001", "completed", Decimal("200.00"), "RUB"),
        ("00003", "79160000001", "returned", Decimal("-100.00"), "RUB"),
    ]


# Restaurants' POS: a check, its waiter, its dishes


@pytest.mark.django_db
def test_an_iiko_sales_report(world, tmp_path, capsys):
    rows = [
        ["Учетный день", "Номер чека", "Официант заказа", "Номер стола", "Блюдо", "Код блюда", "Количество блюд",
         "Сумма со скидкой, р.", "Удален"],
        ["01.11.2026", "3001", "Иванова", "7", "Салат", "D-1", "1", "350", "Нет"],
        ["01.11.2026", "3001", "Иванова", "7", "Суп", "D-2", "2", "500", "Нет"],
        ["02.11.2026", "3002", "Петров", "2", "Салат", "D-1", "1", "350", "Да"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "olap.csv", rows, delimiter=";"), capsys)
    # Refused before: no date («Учетный день») and no product («Блюдо», «Код блюда») known; the waiter left out.
    assert orders(world.org) == [
        ("3001", None, "completed", Decimal("850.00"), "RUB"),
        ("3002", None, "cancelled", Decimal("0.00"), "RUB"),
    ]
    assert employees(world.org) == {"3001": "Иванова", "3002": "Петров"}


@pytest.mark.django_db
def test_a_poster_checks_export(world, tmp_path, capsys):
    rows = [
        ["Номер чека", "Дата открытия", "Дата закрытия", "Официант", "Стол", "Зал", "Клиент", "Телефон клиента",
         "Товар", "Количество", "Цена", "Сумма", "Скидка", "Оплачено", "Способ оплаты"],
        ["2001", "01.11.2026 12:00", "01.11.2026 13:10", "Анна", "5", "Основной", "", "", "Борщ", "2", "120", "240",
         "0", "240", "Картой"],
        ["2001", "01.11.2026 12:00", "01.11.2026 13:10", "Анна", "5", "Основной", "", "", "Кофе", "1", "60", "60",
         "0", "60", "Картой"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "checks.csv", rows, delimiter=";"), capsys)
    # Refused before: neither date known. The check is closed (paid) at its closing time.
    assert orders(world.org) == [("2001", None, "completed", Decimal("300.00"), "RUB")]
    assert employees(world.org) == {"2001": "Анна"}
    assert moments(world.org)["2001"].astimezone(world.org.zone).strftime("%H:%M") == "13:10"


# Ukrainian CRMs


@pytest.mark.django_db
def test_a_keycrm_orders_export(world, tmp_path, capsys):
    rows = [
        ["ID замовлення", "Джерело", "Статус", "Дата створення", "ПІБ покупця", "Телефон покупця", "Email покупця",
         "Назва товару", "SKU", "Кількість", "Ціна", "Валюта"],
        ["501", "Instagram", "Виконано", "01.11.2026 10:00", "Олена", "+380670000001", "", "Товар 1", "K-1", "1",
         "₴1 234", "UAH"],
        ["502", "Сайт", "Скасовано", "02.11.2026 10:00", "Петро", "+380670000002", "", "Товар 2", "K-2", "1", "₴500",
         "UAH"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "keycrm.csv", rows, delimiter=","), capsys)
    # Refused before: «ID замовлення» unknown.
    assert orders(world.org) == [
        ("501", "380670000001", "completed", Decimal("1234.00"), "UAH"),
        ("502", "380670000002", "cancelled", Decimal("0.00"), "UAH"),
    ]


@pytest.mark.django_db
def test_a_salesdrive_orders_export(world, tmp_path, capsys):
    rows = [
        ["№ заявки", "Дата", "Статус", "ФИО", "Телефон", "E-mail", "Товар", "Артикул", "Количество", "Цена", "Сумма"],
        ["7001", "01.11.2026 10:00:00", "Выполнено", "Ольга", "+38 (067) 000-00-01", "", "Товар 1", "S-1", "1",
         "1 234,50 грн", "1 234,50 грн"],
    ]  # fmt: skip
    command(write_csv(tmp_path / "salesdrive.csv", rows, delimiter=";"), capsys)
    # Refused before: «№ заявки» unknown.
    assert orders(world.org) == [("7001", "380670000001", "completed", Decimal("1234.50"), "UAH")]


# Dates as reports and APIs write them


@pytest.mark.django_db
@pytest.mark.parametrize(
    "dates",
    [
        ["7 дек. 2026", "15 нояб. 2026", "1 сент. 2026"],
        ["Dec 7, 2026", "Nov 15, 2026", "Sep 1, 2026"],
        ["7 грудня 2026", "15 листопада 2026 р.", "1 вересня 2026"],
        ["07-Dec-2026", "15-Nov-2026", "01-Sep-2026"],
    ],
)
def test_dates_with_the_months_name(world, tmp_path, capsys, dates):
    rows = [
        ["Дата", "Номер", "Клиент", "Товар", "Сумма"],
        [dates[0], "1", "C1", "P1", "1 234,50 ₽"],
        [dates[1], "2", "C2", "P1", "(12,00)"],
        [dates[2], "3", "C1", "P1", "100"],
    ]
    out = command(write_csv(tmp_path / "report.csv", rows, delimiter=";"), capsys)
    # Every row refused before: "purchased_at “7 дек. 2026” is not a date".
    assert "Dates read as day and month's name" in out
    assert {order: moment.date().isoformat() for order, moment in moments(world.org).items()} == {
        "1": "2026-12-07",
        "2": "2026-11-15",
        "3": "2026-09-01",
    }
    assert orders(world.org)[1] == ("2", "C2", "returned", Decimal("-12.00"), "RUB")  # "(12,00)": money given back


@pytest.mark.django_db
def test_unix_timestamps_in_seconds_and_milliseconds(world, tmp_path, capsys):
    rows = [
        ["order_id", "created", "customer_id", "sku", "amount"],
        ["1", "1796630400", "C1", "P1", "10.00"],
        ["2", "1796716800123", "C2", "P1", "20.00"],
    ]
    out = command(write_csv(tmp_path / "orders.csv", rows, delimiter=","), capsys)
    assert "Dates read as Unix time" in out
    assert moments(world.org) == {
        "1": datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
        "2": datetime(2026, 12, 8, 8, 0, tzinfo=UTC),
    }


@pytest.mark.django_db
def test_day_month_dates_with_their_zone(world, tmp_path, capsys):
    rows = [
        ["order_id", "date", "customer_id", "sku", "amount"],
        ["1", "01.12.2026 10:00:00 +03:00", "C1", "P1", "10.00"],
        ["2", "13.12.2026 10:00 +0300", "C2", "P1", "20.00"],
        ["3", "14.12.2026 10:00 Z", "C2", "P1", "20.00"],
    ]
    command(write_csv(tmp_path / "orders.csv", rows, delimiter=","), capsys)
    # Every row refused before: "date … is not written as day.month.year".
    assert moments(world.org) == {
        "1": datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
        "2": datetime(2026, 12, 13, 7, 0, tzinfo=UTC),
        "3": datetime(2026, 12, 14, 10, 0, tzinfo=UTC),
    }


def test_a_columns_format_is_still_decided_by_the_whole_column():
    # Decision 0068 stands: named months beside day.month dates are one format's rows and another's bad rows.
    assert date_format_of(["7 дек. 2026", "8 дек. 2026", "09.12.2026"]) == "named"
    assert parse_date("09.12.2026", "named") is None
    assert date_format_of(["1796630400", "1796630401", "2026-12-07"]) == "unix"
    with pytest.raises(AmbiguousDates):
        date_format_of(["01/02/2026", "03/04/2026 10:00 +03:00"])
    assert parse_date("Mon, Dec 7, 2026 2:15 PM", "named") == datetime(2026, 12, 7, 14, 15)
    assert parse_date("1 мая 2026 г.", "named") == datetime(2026, 5, 1, 12)
    assert parse_date("7 Foo 2026", "named") is None
    assert parse_date("2026-12-01 10:00:00 UTC", "iso") == datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_a_line_transaction_is_not_the_order_where_an_order_column_is():
    assert guess_mapping("purchases", ["Transaction ID", "Order ID", "Sale Date", "SKU"])["external_id"] == 1
    assert guess_mapping("purchases", ["Transaction ID", "Date", "SKU"])["external_id"] == 0


# A customers file without ids: a CRM's or a phone book's list of people


@pytest.mark.django_db
def test_a_customers_file_without_ids_knows_people_by_email_or_phone(world, tmp_path, capsys):
    from otklik.cli import main
    from otklik.customers.models import Customer

    rows = [
        ["Телефон", "Имя", "Адрес электронной почты"],
        ["+7 (916) 123-45-67", "Иван", ""],
        ["", "Анна", "Anna@Example.com"],
    ]
    main(["import", "customers", str(write_csv(tmp_path / "people.csv", rows, delimiter=";")), "--org", "acme"])
    # Refused before: "No column is chosen for the required field “external_id”."
    assert sorted(Customer.objects.filter(organization=world.org).values_list("external_id", "name")) == [
        ("79161234567", "Иван"),
        ("anna@example.com", "Анна"),
    ]
    # The same people in a purchases file known by phone are these customers, not new ones.
    sales = [["Номер", "Дата", "Телефон", "Товар", "Сумма"], ["1", "01.11.2026", "8 (916) 123-45-67", "P1", "100"]]
    command(write_csv(tmp_path / "sales.csv", sales, delimiter=";"), capsys)
    assert Customer.objects.filter(organization=world.org).count() == 2
    assert orders(world.org) == [("1", "79161234567", "completed", Decimal("100.00"), "RUB")]


@pytest.mark.django_db
def test_a_checkbox_file_uploaded_through_the_imports_page(
    world, login, tmp_path, settings, django_capture_on_commit_callbacks
):
    # The mapping step offers the new field and formats as the command does; the job reads the dates by name.
    from django.urls import reverse

    from otklik.imports.models import ImportJob, ImportStatus
    from otklik.imports.tests.test_pages import columns_of, upload

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"
    rows = [
        ["Фіскальний номер", "Дата", "Тип", "Касир", "Назва товару", "Кількість", "Ціна", "Сума"],
        ["CB-1", "1 листопада 2026", "Продаж", "Касир 1", "Товар 1", "2", "100.00", "200.00"],
        ["CB-2", "2 листопада 2026", "Повернення", "Касир 1", "Товар 1", "1", "100.00", "100.00"],
    ]
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "checkbox.csv", rows, delimiter=","))
    job = ImportJob.objects.get()
    assert job.mapping["document_type"] == 2
    url = reverse("imports:detail", args=[job.pk])
    for action in ("check", "import"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {**columns_of(job), "action": action})
    job.refresh_from_db()
    assert (job.status, job.dates_read_as) == (ImportStatus.DONE, "named"), (job.message, job.errors)
    assert orders(world.org) == [
        ("CB-1", None, "completed", Decimal("200.00"), "RUB"),
        ("CB-2", None, "returned", Decimal("-100.00"), "RUB"),
    ]


@pytest.mark.django_db
def test_first_and_last_names_in_two_columns(world, tmp_path, capsys):
    from otklik.cli import main
    from otklik.customers.models import Customer

    shopify = [
        ["Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address City",
         "Phone", "Accepts SMS Marketing", "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags"],
        ["7001", "Anna", "Smith", "Anna@Example.com", "yes", "Town", "+1 555 010 0001", "no", "10.00", "1", "", "no",
         ""],
        ["7002", "Ben", "", "", "no", "Town", "", "no", "0.00", "0", "", "no", ""],
    ]  # fmt: skip
    main(["import", "customers", str(write_csv(tmp_path / "customers_export.csv", shopify, delimiter=",")), "--org",
          "acme"])  # fmt: skip
    russian = [["Фамилия", "Имя", "Отчество", "Телефон"], ["Иванов", "Иван", "Иванович", "8 (916) 123-45-67"]]
    main(["import", "customers", str(write_csv(tmp_path / "clients.csv", russian, delimiter=";")), "--org", "acme"])
    # Before: the surname left out ("Anna", "Иван"), and the Russian file refused for want of an id.
    assert sorted(Customer.objects.filter(organization=world.org).values_list("external_id", "name")) == [
        ("7001", "Anna Smith"),
        ("7002", "Ben"),
        ("79161234567", "Иван Иванов"),
    ]
    sales = [
        ["Order", "Date", "Customer ID", "First Name", "Last Name", "SKU", "Total"],
        ["1", "2026-11-01", "7003", "Cleo", "Park", "P1", "10.00"],
    ]
    command(write_csv(tmp_path / "sales.csv", sales, delimiter=","), capsys)
    assert Customer.objects.get(organization=world.org, external_id="7003").name == "Cleo Park"


def test_a_time_column_joins_a_date_written_without_one():
    from otklik.imports.cleaning import with_time

    assert with_time("2026-12-01", "09:15:02") == "2026-12-01 09:15:02"
    assert with_time("12/01/2026", "9:15 AM") == "12/01/2026 9:15 AM"
    assert with_time("2026-12-01 08:00", "09:15") == "2026-12-01 08:00"  # the date's own time wins
    assert with_time("2026-12-01", "") == "2026-12-01"
    assert with_time("45357", "09:15") == "45357"  # an Excel serial is a moment of its own
    assert with_time(datetime(2026, 12, 1), "21:05") == datetime(2026, 12, 1, 21, 5)  # a spreadsheet's date cell


# Wix: the store's orders export ("Nov 1, 2026" and "2:15 PM" apart; "Total" is the order's, on each line)

WIX = ["Order number", "Date created", "Time", "Billing customer", "Billing country", "Billing phone",
       "Buyer's email", "Payment method", "Item", "SKU", "Qty", "Price", "Shipping rate", "Total tax", "Total",
       "Currency", "Refunded amount", "Net amount", "Payment status", "Fulfillment status"]  # fmt: skip


@pytest.mark.django_db
def test_a_wix_orders_export(world, tmp_path, capsys):
    rows = [
        WIX,
        ["10001", "Nov 1, 2026", "2:15 PM", "Ann Lee", "US", "+1 555 010 0001", "Ann@example.com", "Card", "Mug",
         "MUG-1", "2", "15.00", "5.00", "0", "40.00", "USD", "0", "40.00", "Paid", "Fulfilled"],
        ["10001", "Nov 1, 2026", "2:15 PM", "Ann Lee", "US", "+1 555 010 0001", "Ann@example.com", "Card", "Cup",
         "CUP-1", "1", "5.00", "5.00", "0", "40.00", "USD", "0", "40.00", "Paid", "Fulfilled"],
        ["10002", "Nov 2, 2026", "9:05 AM", "Bo Kim", "US", "", "bo@example.com", "Card", "Mug", "MUG-1", "1",
         "15.00", "5.00", "0", "20.00", "USD", "0", "20.00", "Paid", "Not fulfilled"],
    ]  # fmt: skip
    out = command(write_csv(tmp_path / "orders.csv", rows, delimiter=","), capsys)
    # Before: every date refused; then "Total" (the order's, on both lines) counted twice as lines: 80 for 35.
    assert "Total" in out.split("Columns left out:")[1].splitlines()[0]
    assert orders(world.org) == [
        ("10001", "ann@example.com", "completed", Decimal("35.00"), "USD"),
        ("10002", "bo@example.com", "completed", Decimal("15.00"), "USD"),
    ]
    assert moments(world.org)["10001"].astimezone(world.org.zone).strftime("%Y-%m-%d %H:%M") == "2026-11-01 14:15"


@pytest.mark.django_db
def test_an_order_total_is_seen_past_the_rows_shown(world, tmp_path, capsys):
    # The first orders have one line each; the first order with two comes after the three rows the mapping
    # step shows. Before, the guess looked at those three alone and kept "Total", counting 40 for 35.
    def line(order, item, qty, price, total):
        return [order, "Nov 2, 2026", "9:05 AM", "Bo Kim", "US", "", f"b{order}@example.com", "Card", item, item,
                qty, price, "5.00", "0", total, "USD", "0", total, "Paid", "Fulfilled"]  # fmt: skip

    singles = [line(str(10000 + n), "MUG-1", "1", "15.00", "20.00") for n in range(1, 6)]
    rows = [WIX, *singles, line("10009", "MUG-1", "2", "15.00", "40.00"), line("10009", "CUP-1", "1", "5.00", "40.00")]
    out = command(write_csv(tmp_path / "orders.csv", rows, delimiter=","), capsys)
    assert "Total" in out.split("Columns left out:")[1].splitlines()[0]
    assert dict((row[0], row[3]) for row in orders(world.org))["10009"] == Decimal("35.00")


def test_a_line_total_stays_the_amount():
    # Lines whose amount is their quantity × price, or differs from line to line, keep the column.
    header = ["Order", "Date", "SKU", "Qty", "Price", "Total"]
    lines = [["1", "2026-11-01", "A", "2", "15.00", "30.00"], ["1", "2026-11-01", "B", "1", "5.00", "5.00"]]
    assert guess_mapping("purchases", header, lines)["amount"] == 5
    same = [["1", "2026-11-01", "A", "1", "15.00", "15.00"], ["1", "2026-11-01", "B", "1", "15.00", "15.00"]]
    assert guess_mapping("purchases", header, same)["amount"] == 5
    repeated = [["1", "2026-11-01", "A", "2", "15.00", "35.00"], ["1", "2026-11-01", "B", "1", "5.00", "35.00"]]
    assert "amount" not in guess_mapping("purchases", header, repeated)
