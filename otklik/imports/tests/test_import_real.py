"""Real exports imported through the service: rows without a customer, dates, currency, re-import, CommerceML."""

from decimal import Decimal

import pytest

from otklik.customers.models import Customer, Product, Purchase
from otklik.imports.cleaning import ReadOptions
from otklik.imports.mapping import guess_mapping
from otklik.imports.readers import FileError, detect_format, read_header
from otklik.imports.services import DatesAmbiguous, import_file, read_options
from otklik.imports.tests.exports import (
    COMMERCEML_CATALOGUE,
    COMMERCEML_ORDERS,
    ONLINE_RETAIL,
    online_retail_rows,
    write_text,
)
from otklik.imports.tests.helpers import write_csv, write_xlsx


def run(organization, kind, path, **kwargs):
    fmt = detect_format(path)
    return import_file(
        organization=organization,
        kind=kind,
        path=path,
        fmt=fmt,
        mapping=guess_mapping(kind, read_header(path, fmt)),
        **kwargs,
    )


@pytest.fixture
def shop(world):
    world.org.currency = "GBP"
    world.org.save(update_fields=["currency"])
    return world.org


def test_rows_without_a_customer_are_skipped_and_counted_and_na_is_never_a_customer(shop, tmp_path):
    path = write_csv(tmp_path / "lines.csv", [ONLINE_RETAIL, *online_retail_rows()], delimiter=",")
    report = run(shop, "purchases", path, options=read_options(shop, without_customer="skip"))
    assert (report.ok, report.rows, report.skipped, report.written) == (True, 6, 2, True)
    assert report.date_format == "mdy"  # told from 12/13/2010
    assert not Customer.objects.filter(organization=shop, external_id__in=["NA", ""]).exists()
    assert set(Purchase.objects.filter(organization=shop).values_list("currency", flat=True)) == {"GBP"}
    assert report.kinds["customers"] == {"created": 3}
    assert report.kinds["products"] == {"created": Product.objects.filter(organization=shop).count()}


def test_importing_the_same_file_twice_changes_nothing_and_says_so(shop, tmp_path):
    path = write_csv(tmp_path / "lines.csv", [ONLINE_RETAIL, *online_retail_rows()], delimiter=",")
    options = read_options(shop, without_customer="skip")
    first = run(shop, "purchases", path, options=options)
    assert first.changed
    again = run(shop, "purchases", path, options=options)
    assert not again.changed
    assert again.kinds == {
        "purchases": {"created": 0, "updated": 0, "unchanged": again.unchanged},
        "customers": {"created": 0},
        "products": {"created": 0},
    }


def test_the_same_rows_as_xlsx_store_the_same(shop, tmp_path, django_db_blocker):
    rows = [ONLINE_RETAIL, *online_retail_rows()]
    csv_report = run(
        shop, "purchases", write_csv(tmp_path / "l.csv", rows), options=read_options(shop, without_customer="skip")
    )
    stored = sorted(Purchase.objects.values_list("external_id", "amount", "purchased_at"))
    Purchase.objects.all().delete()
    xlsx_report = run(
        shop, "purchases", write_xlsx(tmp_path / "l.xlsx", rows), options=read_options(shop, without_customer="skip")
    )
    assert (xlsx_report.rows, xlsx_report.skipped) == (csv_report.rows, csv_report.skipped)
    assert sorted(Purchase.objects.values_list("external_id", "amount", "purchased_at")) == stored


def test_dates_that_read_both_ways_ask_unless_the_organization_answered_before(shop, tmp_path):
    path = write_csv(
        tmp_path / "us.csv",
        [["Order", "Date", "Customer ID", "SKU"], ["1", "1/2/2025", "c1", "p1"], ["2", "3/4/2025 10:00", "c2", "p1"]],
    )
    with pytest.raises(DatesAmbiguous, match="1/2/2025"):
        run(shop, "purchases", path)
    assert not Purchase.objects.exists()
    report = run(shop, "purchases", path, remembered_date_format="mdy")
    assert report.date_format == "mdy"
    assert Purchase.objects.get(external_id="2").purchased_at.month == 3


def test_a_date_the_chosen_format_cannot_read_names_its_row_and_nothing_is_written(shop, tmp_path):
    path = write_csv(
        tmp_path / "us.csv",
        [["Order", "Date", "Customer ID", "SKU"], ["1", "12/13/2025", "c1", "p1"], ["2", "13/12/2025", "c2", "p1"]],
    )
    report = run(shop, "purchases", path, options=read_options(shop, date_format="mdy"))
    assert not report.ok and report.errors[0][0] == 3 and "13/12/2025" in report.errors[0][1][0]
    assert not Purchase.objects.exists()


def test_decimal_commas_and_grouped_thousands(shop, tmp_path):
    path = write_csv(
        tmp_path / "1c.csv",
        [
            ["Номер", "Дата", "Код клиента", "Код товара", "Количество", "Цена", "Сумма"],
            ["1", "01.03.2025", "c1", "p1", "2", "1\u00a0200,50", ""],
            ["2", "02.03.2025", "c1", "p1", "1", "", "1 234,5"],
        ],
        encoding="cp1251",
    )
    report = run(shop, "purchases", path)
    assert report.ok, report.errors
    assert dict(Purchase.objects.values_list("external_id", "amount")) == {
        "1": Decimal("2401.00"),
        "2": Decimal("1234.50"),
    }


def test_commerceml_orders_import_as_purchases(world, tmp_path):
    path = write_text(tmp_path / "orders.xml", COMMERCEML_ORDERS, "cp1251")
    report = run(world.org, "purchases", path, options=ReadOptions(currency="EUR"))
    assert report.ok and report.rows == 3 and report.date_format == "iso"
    customer = Customer.objects.get(organization=world.org, external_id="c-17")
    assert (customer.name, customer.email, customer.phone) == ("Иванова Анна", "anna@example.ru", "79161234567")
    assert set(Purchase.objects.values_list("currency", flat=True)) == {"RUB"}  # «руб» in the file


def test_the_commerceml_catalogue_imports_as_products(world, tmp_path):
    path = write_text(tmp_path / "import.xml", COMMERCEML_CATALOGUE)
    report = run(world.org, "products", path)
    assert report.ok and report.created == 2
    assert Product.objects.get(organization=world.org, external_id="p-1").name == "Кофе в зёрнах, 1 кг"


def test_a_commerceml_file_as_the_wrong_kind_says_what_it_is(world, tmp_path):
    path = write_text(tmp_path / "orders.xml", COMMERCEML_ORDERS, "cp1251")
    with pytest.raises(FileError, match="orders file: import it as purchases"):
        run(world.org, "products", path)
