"""Other shops' exports, as a new user brings them: Shopify, WooCommerce, InSales, Prom.ua, Rozetka, 1C reports,
Excel reports with titles and totals, Excel's "Unicode text", CommerceML returns.

Every file here is written by the test in the shape the shop's export has (its headers, its
quirks); the rows are orders made up for the test, never real data. Each test failed before the
change it names.
"""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from otklik.cli import main
from otklik.customers.models import Customer, Purchase, PurchaseLine
from otklik.imports.cleaning import (
    ReadOptions,
    date_format_of,
    number_and_currency,
    parse_date,
    plain_number,
    purchase_preparer,
)
from otklik.imports.mapping import guess_mapping
from otklik.imports.models import ImportJob, ImportStatus
from otklik.imports.readers import detect_format, read_header, read_start
from otklik.imports.services import import_file
from otklik.imports.tests.exports import COMMERCEML_ORDERS, write_text
from otklik.imports.tests.test_pages import columns_of, upload
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    # `otklik …` closes the connections when a command ends; the test's transaction needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


@pytest.fixture(params=[False, True], ids=["orm", "postgresql-fast-path"])
def fast(request):
    if request.param and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    return request.param


def csv_bytes(rows: list[list], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write(path: Path, rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, delimiter=delimiter).encode(encoding))
    return path


def imported(organization, path: Path, *, fast: bool, **options):
    fmt = detect_format(path)
    report = import_file(
        organization=organization,
        kind="purchases",
        path=path,
        fmt=fmt,
        mapping=guess_mapping("purchases", *read_start(path, fmt)),  # as the command and the upload guess
        fast=fast,
        options=ReadOptions(currency=organization.currency, **options),
    )
    assert report.ok, report.errors
    return report


def orders(organization) -> list[tuple]:
    """(order, customer's id, status, amount, currency) of every stored order."""
    return sorted(
        Purchase.objects.filter(organization=organization).values_list(
            "external_id", "customer__external_id", "status", "amount", "currency"
        )
    )


def command(path: Path, capsys) -> str:
    main(["import", "purchases", str(path), "--org", "acme"])
    return capsys.readouterr().out


# Shopify: a line item without a SKU


SHOPIFY = ["Name", "Email", "Financial Status", "Currency", "Created at", "Lineitem quantity", "Lineitem name",
           "Lineitem price", "Lineitem sku", "Billing Name", "Cancelled at"]  # fmt: skip


@pytest.mark.django_db
def test_a_shopify_export_lines_without_a_sku_and_orders_cancelled_while_paid(world, tmp_path, fast):
    at = (timezone.now() - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(180))
    created = at.strftime("%Y-%m-%d %H:%M:%S %z")  # Shopify's "2024-03-05 14:22:11 +0300"
    rows = [
        SHOPIFY,
        ["#1001", "anna@example.com", "paid", "USD", created, "2", "Green tea", "12.50", "", "Anna", ""],
        ["#1001", "", "", "", "", "1", "Kettle", "10.00", "KET", "", ""],
        ["#1002", "bob@example.com", "voided", "USD", created, "1", "Green tea", "12.50", "", "", created],
        ["#1003", "carl@example.com", "paid", "USD", created, "1", "Kettle", "10.00", "KET", "", created],
        ["#1003", "", "", "", "", "1", "Green tea", "12.50", "", "", ""],
    ]
    imported(world.org, write(tmp_path / "orders_export.csv", rows), fast=fast)
    assert orders(world.org) == [
        ("#1001", "anna@example.com", "completed", Decimal("35.00"), "USD"),
        ("#1002", "bob@example.com", "cancelled", Decimal("0.00"), "USD"),
        ("#1003", "carl@example.com", "cancelled", Decimal("0.00"), "USD"),
    ]
    lines = PurchaseLine.objects.filter(purchase__organization=world.org).order_by("purchase__external_id", "line_no")
    assert [line.product.external_id for line in lines] == ["Green tea", "KET", "Green tea", "KET", "Green tea"]
    first = Purchase.objects.get(organization=world.org, external_id="#1001")
    assert first.purchased_at == at.replace(microsecond=0)
    # Only the order that stands is asked about.
    invited = ScheduledInvitation.objects.filter(organization=world.org).values_list("purchase__external_id", "status")
    assert sorted(invited) == [("#1001", ScheduledStatus.SCHEDULED)]


# WooCommerce: guests are customer 0


WOO = ["Order Number", "Order Status", "Order Date", "Email (Billing)", "Phone (Billing)", "Order Currency", "SKU",
       "Item Name", "Quantity", "Item Cost", "Customer User ID"]  # fmt: skip


@pytest.mark.django_db
def test_woocommerce_guests_are_not_one_customer_called_0(world, tmp_path, fast):
    rows = [
        WOO,
        ["101", "wc-completed", "2024-03-05 14:22", "anna@example.com", "", "UAH", "TEA", "Tea", "2", "10", "5"],
        ["102", "Completed", "2024-03-06 09:00", "bob@example.com", "", "UAH", "TEA", "Tea", "1", "10", "0"],
        ["103", "Refunded", "2024-03-07 09:00", "carl@example.com", "", "UAH", "TEA", "Tea", "1", "10", "0"],
        ["104", "wc-cancelled", "2024-03-08 09:00", "", "+380 67 123 45 67", "UAH", "TEA", "Tea", "1", "10", "0"],
        ["105", "Completed", "2024-03-08 09:00", "", "", "UAH", "TEA", "Tea", "1", "10", "0"],
    ]
    imported(world.org, write(tmp_path / "woo.csv", rows), fast=fast)
    assert orders(world.org) == [
        ("101", "5", "completed", Decimal("20.00"), "UAH"),
        ("102", "bob@example.com", "completed", Decimal("10.00"), "UAH"),
        ("103", "carl@example.com", "returned", Decimal("0.00"), "UAH"),
        ("104", "380671234567", "cancelled", Decimal("0.00"), "UAH"),
        ("105", None, "completed", Decimal("10.00"), "UAH"),
    ]
    assert not Customer.objects.filter(organization=world.org, external_id="0").exists()
    assert Customer.objects.get(organization=world.org, external_id="bob@example.com").email == "bob@example.com"
    assert Customer.objects.get(organization=world.org, external_id="380671234567").phone == "380671234567"


# Prom.ua and Rozetka: Ukrainian headers, buyers known by phone


@pytest.mark.django_db
def test_a_prom_export_whose_buyers_leave_only_a_phone(world, tmp_path, fast):
    header = ["Номер замовлення", "Дата замовлення", "Статус", "ПІБ покупця", "Телефон", "Email", "Артикул",
              "Назва товару", "Кількість", "Ціна", "Валюта", "Сума"]  # fmt: skip
    rows = [
        header,
        [
            "201",
            "05.03.2024 14:22:11",
            "Виконано",
            "Олена І.",
            "+380 (67) 123-45-67",
            "",
            "P-1",
            "Чашка",
            "2",
            "150 ₴",
            "₴",
            "300 ₴",
        ],  # fmt: skip
        [
            "202",
            "06.03.2024 10:00:00",
            "Скасовано",
            "Петро П.",
            "380671234568",
            "",
            "P-1",
            "Чашка",
            "1",
            "150 ₴",
            "₴",
            "150 ₴",
        ],  # fmt: skip
        [
            "203",
            "07.03.2024 10:00:00",
            "Повернення",
            "Олена І.",
            "067 123 45 67",
            "",
            "P-1",
            "Чашка",
            "1",
            "150 ₴",
            "грн",
            "150 ₴",
        ],  # fmt: skip
    ]
    imported(world.org, write(tmp_path / "prom.csv", rows, delimiter=";"), fast=fast)
    assert orders(world.org) == [
        ("201", "380671234567", "completed", Decimal("300.00"), "UAH"),
        ("202", "380671234568", "cancelled", Decimal("0.00"), "UAH"),
        ("203", "380671234567", "returned", Decimal("0.00"), "UAH"),
    ]
    assert Customer.objects.get(organization=world.org, external_id="380671234567").name == "Олена І."


def test_rozetka_headers_name_the_currency_and_the_buyer_by_name():
    header = ["№ замовлення", "Дата створення", "Статус", "Покупець", "Телефон покупця", "Код товару",
              "Назва товару", "Кількість", "Ціна, грн", "Сума, грн"]  # fmt: skip
    samples = [["301", "2024-03-05 14:22", "Виконано", "Олена", "+380671234567", "R-1", "Чашка", "2", "150,00", "300"]]
    # Without rows to look at, a column named "Покупець" is the customer's id, as it always was.
    assert header[guess_mapping("purchases", header)["customer_external_id"]] == "Покупець"
    mapping = guess_mapping("purchases", header, samples)
    assert {field: header[index] for field, index in mapping.items()} == {
        "external_id": "№ замовлення",
        "purchased_at": "Дата створення",
        "status": "Статус",
        "customer_name": "Покупець",  # a name: two Оленas are not one customer
        "customer_external_id": "Телефон покупця",
        "product_external_id": "Код товару",
        "product_name": "Назва товару",
        "quantity": "Кількість",
        "unit_price": "Ціна, грн",
        "amount": "Сума, грн",
    }


# 1C: Windows-1251, semicolons, non-breaking spaces in sums, a totals row


@pytest.mark.django_db
def test_a_1c_report_with_a_title_and_a_totals_row(world, tmp_path, capsys):
    rows = [
        ["Продажи за период 01.03.2024 - 31.03.2024"],
        [],
        [
            "Номер документа",
            "Дата",
            "Контрагент",
            "Код контрагента",
            "Номенклатура",
            "Код номенклатуры",
            "Количество",
            "Цена",
            "Сумма",
        ],  # fmt: skip
        [
            "00000000123",
            "05.03.2024 14:22:11",
            "ООО Ромашка",
            "000000017",
            "Кофе",
            "00-0001",
            "2",
            "617,25",
            "1\u00a0234,50",
        ],  # fmt: skip
        [
            "00000000123",
            "05.03.2024 14:22:11",
            "ООО Ромашка",
            "000000017",
            "Чай",
            "00-0002",
            "1",
            "100,00",
            "100,00",
        ],  # fmt: skip
        ["00000000124", "06.03.2024 9:05:00", "ИП Сидоров", "000000018", "Кофе", "00-0001", "1", "617,25", "617,25"],
        ["Итого", "", "", "", "", "", "4", "", "1\u00a0951,75"],
    ]
    out = command(write(tmp_path / "sales.csv", rows, delimiter=";", encoding="cp1251"), capsys)
    assert "CP1251, «;»" in out and "3 rows: 2 created" in out
    assert orders(world.org) == [
        ("00000000123", "000000017", "completed", Decimal("1334.50"), "RUB"),
        ("00000000124", "000000018", "completed", Decimal("617.25"), "RUB"),
    ]


# Excel: title rows, a totals row, dates typed as numbers beside dates as text, a duplicated header


@pytest.mark.django_db
def test_an_excel_report_with_titles_totals_and_mixed_dates(world, tmp_path, fast):
    book = Workbook()
    sheet = book.active
    sheet.append(["Отчёт о продажах за март 2024"])
    sheet.append(["Организация:", "ООО Ромашка"])
    sheet.append(["Номер", "Дата", "Код клиента", "Товар", "Количество", "Цена", "Сумма", "Сумма", None, None])
    sheet.append(["R1", datetime(2024, 3, 5, 14, 22), "C1", "Кофе", 2, 10.5, 21, 21, None, None])
    sheet.append(["R2", 45357.5, "C2", "Кофе", 1, 10.5, 10.5, 10.5])  # a date Excel typed as a number
    sheet.append(["R3", "07.03.2024", "C1", "Чай", 1, 5, 5, 5])
    sheet.append([None, None, None, "Итого:", 4, None, 36.5, 36.5])
    sheet.append(["Total", None, None, None, 4, None, 36.5, 36.5])
    book.save(tmp_path / "report.xlsx")
    imported(world.org, tmp_path / "report.xlsx", fast=fast)
    assert orders(world.org) == [
        ("R1", "C1", "completed", Decimal("21.00"), "RUB"),
        ("R2", "C2", "completed", Decimal("10.50"), "RUB"),
        ("R3", "C1", "completed", Decimal("5.00"), "RUB"),
    ]
    moments = dict(Purchase.objects.filter(organization=world.org).values_list("external_id", "purchased_at"))
    assert moments["R2"].replace(tzinfo=None) == datetime(2024, 3, 6, 12, 0)


@pytest.mark.django_db
def test_a_row_without_an_order_number_is_still_refused_unless_it_is_a_total(world, tmp_path):
    rows = [["Order", "Date", "Customer", "Product"], ["1", "2024-03-05", "c1", "Total Care Shampoo"]]
    rows += [["", "2024-03-05", "c1", "Total Care Shampoo"], ["Total:", "", "", ""], ["", "", "", "Итого по магазину"]]
    path = write(tmp_path / "lines.csv", rows)
    fmt = detect_format(path)
    report = import_file(
        organization=world.org,
        kind="purchases",
        path=path,
        fmt=fmt,
        mapping=guess_mapping("purchases", read_header(path, fmt)),
        options=ReadOptions(currency="RUB"),
    )
    assert (report.rows, report.errors) == (2, [(3, ["external_id is required"])])


def test_1cs_column_numbers_under_the_header_are_not_a_row(tmp_path):
    rows = [["Продажи"], ["Номер документа", "Дата", "Код контрагента", "Сумма"], ["1", "2", "3", "4"]]
    path = write(tmp_path / "printed.csv", [*rows, ["D1", "05.03.2024", "K1", "1 234,50"]], delimiter=";")
    header, samples = read_start(path, detect_format(path))
    assert (header, samples) == (rows[1], [["D1", "05.03.2024", "K1", "1 234,50"]])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["totals.csv", "empty.xml"])
def test_a_file_with_nothing_to_import_says_so_and_writes_nothing(world, tmp_path, capsys, name):
    if name == "totals.csv":
        path = write(tmp_path / name, [["Номер", "Дата", "Код клиента", "Товар"], ["Итого", "", "", ""]], delimiter=";")
    else:
        document = "<Документ><Номер>1</Номер><Дата>2025-03-05</Дата></Документ>"
        path = write_text(
            tmp_path / name, f'<?xml version="1.0"?><КоммерческаяИнформация>{document}</КоммерческаяИнформация>'
        )
    with pytest.raises(SystemExit):
        command(path, capsys)
    assert "The file has nothing to import" in capsys.readouterr().err
    assert not Purchase.objects.exists()


def test_excel_serials_beside_text_dates_leave_the_format_to_the_text():
    assert date_format_of(["45357.5", "07.03.2024", "13.03.2024"]) == "dmy"
    assert date_format_of(["45357.5", "45358", "not a date"]) == "excel"  # the text that is no date is a bad row
    assert parse_date("45357.5", "dmy") == datetime(2024, 3, 6, 12, 0)


def test_the_header_is_found_under_a_reports_title_rows(tmp_path):
    path = write(
        tmp_path / "report.csv",
        [
            ["Продажи, март 2024"],
            ["Период:", "01.03.2024 - 31.03.2024"],
            ["Номер", "Дата", "Код клиента", "Товар"],
            ["R1", "05.03.2024", "C1", "P1"],
        ],  # fmt: skip
        delimiter=";",
    )
    fmt = detect_format(path)
    assert fmt.delimiter == ";"
    assert read_start(path, fmt) == (["Номер", "Дата", "Код клиента", "Товар"], [["R1", "05.03.2024", "C1", "P1"]])


def test_a_header_narrower_than_its_rows_stays_the_header(tmp_path):
    path = write(tmp_path / "narrow.csv", [["Order", "Date", "Customer"], ["1", "2024-03-05", "c1", "10", "x", "y"]])
    assert read_header(path, detect_format(path)) == ["Order", "Date", "Customer"]


# Numbers as shops write them, and the currency written beside them


@pytest.mark.parametrize(
    ("raw", "number", "currency"),
    [
        ("$1,234.50", "1234.50", "USD"),
        ("1 234,50 ₽", "1234.50", "RUB"),
        ("1.234,50 €", "1234.50", "EUR"),
        ("−12", "-12", ""),  # Unicode's minus
        ("(12.00)", "-12.00", ""),
        ("12-", "-12", ""),
        ("-$5.00", "-5.00", "USD"),
        ("($12.00)", "-12.00", "USD"),
        ("EUR 12.50", "12.50", "EUR"),
        ("12,50 EUR", "12.50", "EUR"),
        ("₴150", "150", "UAH"),
        ("150 грн.", "150", "UAH"),
        ("US$ 3", "3", "USD"),
    ],
)
def test_numbers_with_their_currency(raw, number, currency):
    assert number_and_currency(raw) == (number, currency)
    assert plain_number(raw) == number


@pytest.mark.parametrize("raw", ["$$5", "abc12", "EUR", "12-3", "12 шт", "12 PCS"])
def test_still_not_numbers(raw):
    assert number_and_currency(raw)[0] is None


def test_a_currency_written_beside_the_price_is_the_lines_when_no_column_names_one():
    prepare = purchase_preparer(ReadOptions(currency="RUB", date_format="iso"))
    record = prepare({"external_id": "1", "customer_external_id": "c", "unit_price": "1.234,50 €", "quantity": "2"})
    assert (record["unit_price"], record["amount"], record["currency"]) == ("1234.50", "2469.00", "EUR")
    record = prepare({"external_id": "2", "customer_external_id": "c", "amount": "$5", "currency": "GBP"})
    assert (record["amount"], record["currency"]) == ("5", "GBP")  # the column wins


# Excel's "Unicode text": UTF-16, tabs, CRLF, a quoted newline; a customer id spelled several ways


@pytest.mark.django_db
def test_a_customer_id_spelled_several_ways_is_one_customer(world, tmp_path, fast):
    # "Customer" holds ids here (e-mails, phones, a code), beside empty "Email" and "Phone" columns: it stays the id.
    rows = [
        ["Order ID", "Date", "Customer", "Email", "Phone", "SKU", "Product name", "Qty", "Price"],
        ["T1", "2024-03-05", "anna@example.com", "", "", "S1", "Line one\nline two", "1", "10"],
        ["T2", "2024-03-06", " Anna@Example.com ", "", "", "S1", "x", "1", "10"],
        ["T3", "2024-03-07", "+7 916 123-45-67", "", "", "S1", "x", "1", "10"],
        ["T4", "2024-03-08", "8 (916) 123-45-67", "", "", "S1", "x", "1", "10"],
        ["T5", "2024-03-09", "79161234567", "", "", "S1", "x", "1", "10"],
        ["T6", "2024-03-09", "000017", "", "", "S1", "x", "1", "10"],
    ]
    path = tmp_path / "unicode.txt"
    path.write_bytes(csv_bytes(rows, delimiter="\t").encode("utf-16"))
    imported(world.org, path, fast=fast)
    again = imported(world.org, path, fast=fast)  # the same file again: every spelling finds what it stored
    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 6, False)
    customers = Customer.objects.filter(organization=world.org)
    assert sorted(customers.values_list("external_id", "email", "phone")) == [
        ("000017", "", ""),
        ("79161234567", "", "79161234567"),
        ("anna@example.com", "anna@example.com", ""),
    ]


# CommerceML: a return is a document of its own


@pytest.mark.django_db
def test_a_commerceml_return_document_takes_its_lines_off_the_customers_revenue(world, tmp_path, fast):
    returned = COMMERCEML_ORDERS.replace("<Номер>1002</Номер>", "<Номер>В-7</Номер>").replace(
        "<ХозОперация>Заказ товара</ХозОперация>\n    <Роль>Продавец</Роль>\n    <Валюта>руб</Валюта>\n"
        "    <Курс>1</Курс>\n    <Сумма>1200.00</Сумма>",
        "<ХозОперация>Возврат товара</ХозОперация>\n    <Роль>Продавец</Роль>\n    <Валюта>руб</Валюта>\n"
        "    <Курс>1</Курс>\n    <Сумма>1200.00</Сумма>",
    )
    returned = returned.replace("<Ид>c-18</Ид>", "<Ид>c-17</Ид>").replace(
        "<Значение>true</Значение>", "<Значение>false</Значение>"
    )
    assert "Возврат товара" in returned
    imported(world.org, write_text(tmp_path / "orders.xml", returned, "cp1251"), fast=fast)
    assert orders(world.org) == [
        ("1001", "c-17", "completed", Decimal("2750.00"), "RUB"),
        ("В-7", "c-17", "returned", Decimal("-1200.00"), "RUB"),
    ]
    line = PurchaseLine.objects.get(purchase__external_id="В-7")
    assert (line.quantity, line.amount) == (Decimal("-1"), Decimal("-1200.00"))


# Through the /imports/ page's mapping step


@pytest.fixture
def tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


ROZETKA = ["№ замовлення", "Дата створення", "Статус", "Покупець", "Телефон покупця", "Код товару", "Назва товару",
           "Кількість", "Ціна, грн", "Сума, грн"]  # fmt: skip


def test_a_rozetka_export_through_the_mapping_step_is_in_the_currency_its_header_names(
    world, login, tmp_path, tasks_run_at_once, django_capture_on_commit_callbacks
):
    rows = [
        ["Замовлення за березень 2024"],
        ROZETKA,
        ["301", "2024-03-05 14:22", "Виконано", "Олена", "+380671234567", "R-1", "Чашка", "2", "150,00", "300,00"],
        ["302", "2024-03-06 14:22", "Скасовано", "Петро", "+380671234568", "R-1", "Чашка", "1", "150,00", "150,00"],
        ["303", "2024-03-07 14:22", "Виконано", "Олена", "+38 (067) 123-45-67", "R-1", "Чашка", "1", "150,00", ""],
        ["Разом", "", "", "", "", "", "", "4", "", "600,00"],
    ]
    client = login(world.manager)
    upload(client, write(tmp_path / "rozetka.csv", rows, delimiter=";"))
    job = ImportJob.objects.get()
    assert job.header == ROZETKA
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "the column “Сума, грн” says UAH" in page
    for action in ("check", "import"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports:detail", args=[job.pk]), {**columns_of(job), "action": action})
        job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert orders(world.org) == [
        ("301", "380671234567", "completed", Decimal("300.00"), "UAH"),
        ("302", "380671234568", "cancelled", Decimal("0.00"), "UAH"),
        ("303", "380671234567", "completed", Decimal("150.00"), "UAH"),
    ]
    assert Customer.objects.get(organization=world.org, external_id="380671234567").name == "Олена"


@pytest.mark.django_db
def test_the_command_says_which_header_named_the_currency(world, tmp_path, capsys):
    rows = [ROZETKA, ["301", "2024-03-05 14:22", "Виконано", "Олена", "+380671234567", "R-1", "Чашка", "2", "150", ""]]
    out = command(write(tmp_path / "rozetka.csv", rows, delimiter=";"), capsys)
    assert "every amount is in UAH, as the column “Сума, грн” says" in out
    assert orders(world.org) == [("301", "380671234567", "completed", Decimal("300.00"), "UAH")]


def test_a_two_column_file_with_commas_in_its_values_stays_semicolon_separated(tmp_path):
    path = write_text(tmp_path / "c.csv", "id;name\r\n1;Smith, John, Jr\r\n2;Doe, Jane\r\n3;Roe\r\n")
    assert detect_format(path).delimiter == ";"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["№", "№ заказа", "Дата создания", "Email", "Название", "Количество", "Цена", "Валюта заказа"],
            {"external_id": "№ заказа", "product_name": "Название", "currency": "Валюта заказа"},
        ),
        (
            ["Order #", "Order date", "Customer e-mail", "Product SKU", "Product", "Qty.", "Unit price (€)"],
            {"product_external_id": "Product SKU", "product_name": "Product", "unit_price": "Unit price (€)"},
        ),
        (
            ["Номер чека", "Дата и время", "Номер карты", "Артикул", "Наименование", "Кол-во", "Сумма со скидкой"],
            {"external_id": "Номер чека", "amount": "Сумма со скидкой"},
        ),
    ],
)
def test_more_shop_headers(header, expected):
    mapping = guess_mapping("purchases", header)
    assert {field: header[mapping[field]] for field in expected if field in mapping} == expected
