import pytest
from django.core.management import CommandError, call_command

from otklik.cli import main
from otklik.customers.models import Purchase, PurchaseLine
from otklik.imports.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    # `otklik …` closes the connections when a command ends, as it should; the test's transaction needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)


def test_the_command_imports_a_1c_file_and_prints_the_counts(world, tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(4)], encoding="cp1251")
    main(["import", "purchases", str(path), "--org", "acme"])
    out = capsys.readouterr().out
    assert "CP1251" in out and "4 rows: 4 created, 0 updated, 0 unchanged." in out
    main(["import", "purchases", str(path), "--org", "acme"])
    assert "0 created, 0 updated, 4 unchanged." in capsys.readouterr().out


def test_bad_rows_exit_non_zero_with_their_reasons_and_nothing_written(world, tmp_path, capsys):
    rows = purchase_rows(3)
    rows[2][7] = "abc"
    path = write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *rows])
    with pytest.raises(SystemExit) as exit_:
        main(["import", "purchases", str(path), "--org", "acme"])
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "Row 4: amount “abc” is not a number" in err and "1 of 3 rows are bad" in err
    assert not Purchase.objects.exists()


def test_the_mapping_option_the_delimiter_and_a_dry_run(world, tmp_path, capsys):
    rows = [["Doc", "When", "Who", "What", "Sum"], ["D1", "2025-03-01", "C1", "P1", "10"]]
    path = write_csv(tmp_path / "p.txt", rows, delimiter="\t")
    call_command(
        "import",
        "purchases",
        str(path),
        org="acme",
        mapping="Doc=external_id,When=purchased_at,Who=customer_external_id,What=product_external_id",
        delimiter="\\t",
        dry_run=True,
    )
    assert "1 rows checked" in capsys.readouterr().out and not Purchase.objects.exists()
    call_command(
        "import",
        "purchases",
        str(path),
        org="acme",
        mapping="1=external_id,2=purchased_at,3=customer_external_id,4=product_external_id",
    )
    assert Purchase.objects.get().amount == 10


def test_an_unknown_organization_or_missing_column_is_a_clear_error(world, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["Дата", "Сумма"], ["2025-03-01", "10"]])
    with pytest.raises(CommandError, match="No organization"):
        call_command("import", "purchases", str(path), org="nope")
    with pytest.raises(CommandError, match="external_id"):
        call_command("import", "purchases", str(path), org="acme")


def test_the_demo_purchases_file_imports_at_the_organizations_locations(world, tmp_path, capsys):
    path = tmp_path / "demo.csv"
    main(["demo-purchases", str(path), "--org", "acme", "--rows", "30", "--customers", "5"])
    main(["import", "purchases", str(path), "--org", "acme"])
    orders = Purchase.objects.filter(organization=world.org).count()
    assert f"30 rows: {orders} created" in capsys.readouterr().out  # orders of one to nine lines
    assert PurchaseLine.objects.filter(purchase__organization=world.org).count() == 30
    assert set(Purchase.objects.values_list("location__name", flat=True)) <= {"Main Street", "Airport"}
    assert Purchase.objects.values("customer").distinct().count() <= 5


def test_a_retailers_export_needs_no_mapping_flags(world, tmp_path, capsys):
    from otklik.imports.tests.exports import ONLINE_RETAIL, online_retail_rows

    world.org.currency = "GBP"
    world.org.save(update_fields=["currency"])
    path = write_csv(tmp_path / "lines.csv", [ONLINE_RETAIL, *online_retail_rows()], delimiter=",")
    main(["import", "purchases", str(path), "--org", "acme", "--without-customer", "skip"])
    out = capsys.readouterr().out
    assert "InvoiceNo → external_id" in out and "CustomerID → customer_external_id" in out
    assert "month/day/year" in out and "every amount is in GBP" in out and "2 rows without a customer skipped" in out
    main(["import", "purchases", str(path), "--org", "acme", "--without-customer", "skip"])
    assert "Nothing changed" in capsys.readouterr().out


def test_dates_that_read_both_ways_need_the_date_format_flag(world, tmp_path, capsys):
    rows = [["Order", "Date", "Customer ID", "SKU"], ["1", "1/2/2025", "c1", "p1"], ["2", "3/4/2025", "c2", "p1"]]
    path = write_csv(tmp_path / "us.csv", rows)
    with pytest.raises(SystemExit):
        main(["import", "purchases", str(path), "--org", "acme"])
    assert "--date-format" in capsys.readouterr().err and not Purchase.objects.exists()
    main(["import", "purchases", str(path), "--org", "acme", "--date-format", "dmy"])
    assert Purchase.objects.get(external_id="2").purchased_at.month == 4


def test_a_commerceml_file_is_imported_by_the_command(world, tmp_path, capsys):
    from otklik.imports.tests.exports import COMMERCEML_ORDERS, write_text

    path = write_text(tmp_path / "orders.xml", COMMERCEML_ORDERS, "cp1251")
    main(["import", "purchases", str(path), "--org", "acme"])
    out = capsys.readouterr().out
    assert "1C CommerceML, orders" in out and "3 rows" in out
    with pytest.raises(SystemExit):
        main(["import", "products", str(path), "--org", "acme"])
    assert "import it as purchases" in capsys.readouterr().err
