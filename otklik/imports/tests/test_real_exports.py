"""Real exports' headers, values and formats: the guess, the cleaning and the readers."""

import zipfile
from datetime import datetime
from decimal import Decimal

import pytest

from otklik.customers.services import RowError
from otklik.imports.cleaning import (
    AmbiguousDates,
    ReadOptions,
    SkipRow,
    blank_if_null,
    date_format_of,
    order_status,
    parse_date,
    plain_number,
    purchase_preparer,
)
from otklik.imports.mapping import guess_mapping, normalize_header
from otklik.imports.readers import FileError, check_xlsx_limits, detect_format, read_header, read_rows, read_start
from otklik.imports.tests.exports import (
    COMMERCEML_CATALOGUE,
    COMMERCEML_ORDERS,
    ONLINE_RETAIL,
    online_retail_rows,
    write_text,
)
from otklik.imports.tests.helpers import write_csv, write_xlsx


def named(header: list[str], mapping: dict[str, int]) -> dict[str, str]:
    return {field: header[index] for field, index in mapping.items()}


# The guess


def test_camel_case_headers_are_split():
    assert [normalize_header(name) for name in ["InvoiceNo", "CustomerID", "OrderId", "UnitPrice", "SKU"]] == [
        "invoice no",
        "customer id",
        "order id",
        "unit price",
        "sku",
    ]


def test_a_retailers_order_lines_export_is_guessed_whole():
    assert named(ONLINE_RETAIL, guess_mapping("purchases", ONLINE_RETAIL)) == {
        "external_id": "InvoiceNo",
        "product_external_id": "StockCode",
        "product_name": "Description",
        "quantity": "Quantity",
        "purchased_at": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_external_id": "CustomerID",
    }


def test_odd_spacing_and_case_do_not_matter():
    header = ["  ORDER_ID ", "customer-id", "Qty", "unit  price", "SKU", "order date"]
    assert named(header, guess_mapping("purchases", header)) == {
        "external_id": "  ORDER_ID ",
        "customer_external_id": "customer-id",
        "quantity": "Qty",
        "unit_price": "unit  price",
        "product_external_id": "SKU",
        "purchased_at": "order date",
    }


def test_shopify_orders_export():
    header = [
        "Name",
        "Email",
        "Financial Status",
        "Paid at",
        "Currency",
        "Subtotal",
        "Total",
        "Created at",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Lineitem sku",
        "Billing Name",
        "Billing Phone",
        "Cancelled at",
    ]
    assert named(header, guess_mapping("purchases", header)) == {
        "external_id": "Name",
        "customer_external_id": "Email",
        "status": "Financial Status",
        "currency": "Currency",
        "purchased_at": "Created at",
        "quantity": "Lineitem quantity",
        "product_name": "Lineitem name",
        "unit_price": "Lineitem price",
        "product_external_id": "Lineitem sku",
        "customer_name": "Billing Name",
        "customer_phone": "Billing Phone",
        "cancelled_at": "Cancelled at",  # a cancelled order may still read "paid"
    }


def test_woocommerce_order_export_one_row_per_item():
    header = [
        "order_id",
        "order_date",
        "status",
        "order_currency",
        "customer_id",
        "billing_email",
        "billing_phone",
        "item_sku",
        "item_name",
        "item_quantity",
        "item_total",
    ]
    assert named(header, guess_mapping("purchases", header)) == {
        "external_id": "order_id",
        "purchased_at": "order_date",
        "status": "status",
        "currency": "order_currency",
        "customer_external_id": "customer_id",
        "customer_email": "billing_email",
        "customer_phone": "billing_phone",
        "product_external_id": "item_sku",
        "product_name": "item_name",
        "quantity": "item_quantity",
        "amount": "item_total",
    }


def test_1c_and_insales_russian_headers():
    header = ["Номер заказа", "Дата создания", "Статус", "Код контрагента", "Контрагент", "Артикул", "Номенклатура",
              "Кол-во", "Цена", "Сумма", "Валюта документа"]  # fmt: skip
    assert named(header, guess_mapping("purchases", header)) == {
        "external_id": "Номер заказа",
        "purchased_at": "Дата создания",
        "status": "Статус",
        "customer_external_id": "Код контрагента",
        "customer_name": "Контрагент",
        "product_external_id": "Артикул",
        "product_name": "Номенклатура",
        "quantity": "Кол-во",
        "unit_price": "Цена",
        "amount": "Сумма",
        "currency": "Валюта документа",
    }


def test_ukrainian_headers():
    header = ["Номер замовлення", "Дата", "Код клієнта", "Код товару", "Кількість", "Ціна", "Сума"]
    assert set(guess_mapping("purchases", header)) == {
        "external_id",
        "purchased_at",
        "customer_external_id",
        "product_external_id",
        "quantity",
        "unit_price",
        "amount",
    }


# Values


@pytest.mark.parametrize("token", ["", "NA", "n/a", "N/A", "null", "NULL", "-", "#N/A", "нет", "Немає", " na "])
def test_null_tokens_are_empty(token):
    assert blank_if_null(token) == ""


@pytest.mark.parametrize("value", ["NAB", "17850", "Нетто", 0, "no"])
def test_other_values_stay(value):
    assert blank_if_null(value) == value


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,5", "1234.5"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1,234,567", "1234567"),
        ("10,5", "10.5"),
        ("-3", "-3"),
        ("(12.50)", "-12.50"),
        ("2.55", "2.55"),
        ("1 200 ₽", "1200"),
        ("", ""),
    ],
)
def test_numbers_as_people_write_them(raw, plain):
    assert plain_number(raw) == plain


@pytest.mark.parametrize("raw", ["abc", "1,2,3.4.5", "12 шт"])
def test_not_numbers(raw):
    assert plain_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "status"),
    [("Cancelled", "cancelled"), ("voided", "cancelled"), ("Отменён", "cancelled"), ("скасовано", "cancelled"),
     ("refunded", "returned"), ("Повернення", "returned"), ("Возврат", "returned"), ("paid", ""),
     ("completed", ""), ("[N] Принят", ""), ("", "")],
)  # fmt: skip
def test_order_statuses_in_three_languages(raw, status):
    assert order_status(raw) == status


# Dates


def test_iso_dates():
    assert date_format_of(["2025-03-01", "2025-03-02 10:00:00", "", datetime(2025, 1, 1)]) == "iso"


def test_us_dates_are_told_by_a_day_over_12():
    assert date_format_of(["12/1/2010 8:26", "12/13/2010 9:02"]) == "mdy"
    assert parse_date("12/13/2010 9:02", "mdy") == datetime(2010, 12, 13, 9, 2)


def test_european_dates_are_told_by_a_day_over_12():
    assert date_format_of(["01/12/2010", "13/12/2010 10:00"]) == "dmy"
    assert parse_date("13/12/2010 10:00", "dmy") == datetime(2010, 12, 13, 10, 0)


def test_1c_dotted_dates_are_day_month():
    assert date_format_of(["01.03.2025 10:05", "02.03.2025"]) == "dmy"


def test_a_column_where_every_day_is_12_or_less_is_ambiguous():
    with pytest.raises(AmbiguousDates) as caught:
        date_format_of(["12/1/2010 8:26", "11/2/2010", "1/3/2010"])
    assert caught.value.examples == ["12/1/2010 8:26", "11/2/2010", "1/3/2010"]


def test_excel_serial_numbers():
    assert date_format_of(["40513.35", "40514"]) == "excel"
    assert parse_date("40513.5", "excel") == datetime(2010, 12, 1, 12, 0)


def test_the_format_that_reads_most_wins_and_the_rest_are_bad_rows():
    assert date_format_of(["12/13/2010", "12/14/2010", "yesterday"]) == "mdy"


def test_am_pm_and_two_digit_years():
    assert parse_date("3/4/21 2:05 PM", "mdy") == datetime(2021, 3, 4, 14, 5)
    assert parse_date("3/4/21 12:05 am", "mdy") == datetime(2021, 3, 4, 0, 5)


def test_a_date_the_chosen_format_cannot_read_is_a_bad_row():
    prepare = purchase_preparer(ReadOptions(currency="EUR", date_format="mdy"))
    with pytest.raises(RowError) as caught:
        prepare({"customer_external_id": "1", "purchased_at": "13/12/2010"})
    assert "13/12/2010" in caught.value.reasons[0] and "month/day/year" in caught.value.reasons[0]


# One record


def test_a_record_is_made_plain():
    prepare = purchase_preparer(ReadOptions(currency="EUR", date_format="mdy"))
    record = prepare(
        {
            "external_id": "536365",
            "customer_external_id": "17850",
            "purchased_at": "12/1/2010 8:26",
            "quantity": "6",
            "unit_price": "2,55",
        }
    )
    assert record["purchased_at"] == datetime(2010, 12, 1, 8, 26)
    assert (record["quantity"], record["unit_price"], record["amount"]) == ("6", "2.55", "15.30")
    assert record["currency"] == "EUR"  # the organization's: the file names none


def test_a_currency_column_wins_and_its_words_become_codes():
    prepare = purchase_preparer(ReadOptions(currency="EUR", date_format="iso"))
    assert prepare({"customer_external_id": "1", "currency": "руб"})["currency"] == "RUB"
    assert prepare({"customer_external_id": "1", "currency": "usd"})["currency"] == "USD"
    assert prepare({"customer_external_id": "1", "currency": ""})["currency"] == "EUR"


def test_a_cancelling_invoice_is_marked():
    prepare = purchase_preparer(ReadOptions(currency="GBP", date_format="mdy"))
    assert prepare({"external_id": "C536379", "customer_external_id": "14527", "quantity": "-1"})["status"] == (
        "cancelled"
    )
    assert "status" not in prepare({"external_id": "536379", "customer_external_id": "14527"})
    assert prepare({"external_id": "1", "customer_external_id": "1", "status": "Отменён"})["status"] == "cancelled"


def test_rows_without_a_customer_are_skipped_or_kept_as_chosen():
    with pytest.raises(SkipRow):
        purchase_preparer(ReadOptions(without_customer="skip"))({"customer_external_id": ""})
    kept = purchase_preparer(ReadOptions(without_customer="anonymous"))({"customer_external_id": ""})
    assert kept["customer_external_id"] == ""


def test_a_customer_known_by_email_alone_gets_it_as_email_too():
    record = purchase_preparer(ReadOptions())({"customer_external_id": "ann@example.com"})
    assert record["customer_email"] == "ann@example.com"


# Readers


def test_a_windows_1251_csv(tmp_path):
    path = write_csv(
        tmp_path / "1c.csv", [["Номер", "Дата", "Сумма"], ["1", "01.03.2025", "1 234,50"]], encoding="cp1251"
    )
    fmt = detect_format(path)
    assert (fmt.kind, fmt.encoding, fmt.delimiter) == ("csv", "cp1251", ";")
    assert list(read_rows(path, fmt))[1] == (2, ["1", "01.03.2025", "1 234,50"])


def test_an_xlsx_made_with_openpyxl_is_read_by_calamine(tmp_path):
    path = write_xlsx(
        tmp_path / "lines.xlsx",
        [ONLINE_RETAIL, [536365, "85123A", "HOLDER", 6, datetime(2010, 12, 1, 8, 26), 2.55, 17850.0, "UK"]],
    )
    fmt = detect_format(path)
    assert fmt.kind == "xlsx" and read_header(path, fmt) == ONLINE_RETAIL
    assert list(read_rows(path, fmt))[1] == (
        2,
        ["536365", "85123A", "HOLDER", "6", datetime(2010, 12, 1, 8, 26), "2.55", "17850", "UK"],
    )


def test_a_broken_xlsx_is_refused_with_a_message(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [["a", "b"], [1, 2]])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:300])
    with pytest.raises(FileError, match="XLSX"):
        read_start(broken, detect_format(broken))


def test_an_xlsx_that_unpacks_too_big_is_refused_before_it_is_read(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES = 1 << 20
    path = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(write_xlsx(tmp_path / "small.xlsx", [["a"], [1]])) as small,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in small.infolist():
            data = small.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (2 << 20) + b"--></worksheet>")
            bomb.writestr(item, data)
    assert path.stat().st_size < 100_000
    with pytest.raises(FileError, match="unpacks to 2.0 MB; at most 1 MB"):
        detect_format(path)


def test_an_xlsx_with_16384_columns_is_refused_by_its_dimension(tmp_path):
    path = write_xlsx(tmp_path / "wide.xlsx", [[f"c{i}" for i in range(16384)]])
    with pytest.raises(FileError, match="16384 columns; at most 200"):
        check_xlsx_limits(path)


def test_a_csv_with_too_many_columns_is_refused(tmp_path):
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(500)], ["x"] * 500])
    with pytest.raises(FileError, match="500 columns"):
        read_start(path, detect_format(path))


def test_commerceml_orders_are_recognised_by_content_not_name(tmp_path):
    path = write_text(tmp_path / "orders.csv", COMMERCEML_ORDERS, encoding="cp1251")
    fmt = detect_format(path)
    assert fmt.kind == "cml-orders" and fmt.kinds == ("purchases",)
    header, *lines = [values for _number, values in read_rows(path, fmt)]
    assert guess_mapping("purchases", header) == {name: index for index, name in enumerate(header)}
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    assert [(row["external_id"], row["product_external_id"], row["quantity"], row["amount"]) for row in rows] == [
        ("1001", "p-1", "2", "2400.00"),
        ("1001", "p-2", "1", "350.00"),
        ("1002", "p-1", "1", "1200.00"),
    ]
    first = rows[0]
    assert (first["purchased_at"], first["currency"], first["status"]) == (
        "2025-03-05 14:30:00",
        "руб",
        "[F] Доставлен",
    )
    assert (
        first["customer_external_id"],
        first["customer_name"],
        first["customer_email"],
        first["customer_phone"],
    ) == (
        "c-17",
        "Иванова Анна",
        "anna@example.ru",
        "+7 916 123-45-67",
    )
    assert rows[2]["status"] == "cancelled"


def test_the_commerceml_catalogue_gives_products(tmp_path):
    path = write_text(tmp_path / "import.xml", COMMERCEML_CATALOGUE)
    fmt = detect_format(path)
    assert fmt.kind == "cml-goods"
    assert [values for _number, values in read_rows(path, fmt)] == [
        ["external_id", "name"],
        ["p-1", "Кофе в зёрнах, 1 кг"],
        ["p-2", "Доставка"],
    ]


def test_a_broken_xml_names_its_line(tmp_path):
    path = write_text(
        tmp_path / "orders.xml",
        COMMERCEML_ORDERS.replace("</Документ>\n  <Документ>", "</Документ>\n  <Док>", 1),
        "cp1251",
    )
    fmt = detect_format(path)
    with pytest.raises(FileError, match="broken at line"):
        list(read_rows(path, fmt))


def test_other_xml_is_not_read_as_csv(tmp_path):
    path = write_text(tmp_path / "feed.xml", '<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(FileError, match="not a 1C CommerceML"):
        detect_format(path)


def test_amount_of_a_line_is_kept_when_given():
    record = purchase_preparer(ReadOptions(date_format="iso"))(
        {"customer_external_id": "1", "quantity": "2", "unit_price": "1200", "amount": "2 300,00"}
    )
    assert Decimal(record["amount"]) == Decimal("2300")


def test_online_retail_rows_make_plain_records():
    header = ONLINE_RETAIL
    mapping = guess_mapping("purchases", header)
    prepare = purchase_preparer(ReadOptions(currency="GBP", date_format="mdy", without_customer="skip"))
    kept, skipped = [], 0
    for row in online_retail_rows():
        record = {field: blank_if_null(row[index]) for field, index in mapping.items()}
        try:
            kept.append(prepare(record))
        except SkipRow:
            skipped += 1
    assert skipped == 2  # "NA" and empty: never a customer called "NA"
    assert [record.get("status", "") for record in kept] == ["", "", "", "cancelled"]


def test_excels_unicode_text_is_read(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("Номер\tДата\r\n1\t01.03.2025\r\n".encode("utf-16"))
    fmt = detect_format(path)
    assert (fmt.encoding, fmt.delimiter) == ("utf-16", "\t")
    assert list(read_rows(path, fmt)) == [(1, ["Номер", "Дата"]), (2, ["1", "01.03.2025"])]


def test_an_insales_style_export():
    header = ["Номер заказа", "Дата оформления", "Статус заказа", "ФИО покупателя", "Email покупателя",
              "Телефон покупателя", "Артикул", "Название товара", "Количество товара", "Цена товара"]  # fmt: skip
    assert named(header, guess_mapping("purchases", header)) == {
        "external_id": "Номер заказа",
        "purchased_at": "Дата оформления",
        "status": "Статус заказа",
        "customer_name": "ФИО покупателя",
        "customer_external_id": "Email покупателя",  # no customer id: the e-mail is one
        "customer_phone": "Телефон покупателя",
        "product_external_id": "Артикул",
        "product_name": "Название товара",
        "quantity": "Количество товара",
        "unit_price": "Цена товара",
    }
