"""The mapping step with real exports: the date-format question, rows without a customer, the currency,
limits, and pages that never fail once their file is gone."""

from pathlib import Path

import pytest
from django.urls import reverse

from otklik.customers.models import Customer, Purchase
from otklik.imports.jobs import job_path
from otklik.imports.models import ImportJob, ImportSettings, ImportStatus
from otklik.imports.tests.exports import ONLINE_RETAIL, online_retail_rows
from otklik.imports.tests.helpers import write_csv, write_ods, write_xlsx
from otklik.imports.tests.test_pages import columns_of, upload

US_HEADER = ["Order", "Date", "Customer ID", "SKU"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def check(client, job, capture, **choices):
    with capture(execute=True):
        response = client.post(
            reverse("imports:detail", args=[job.pk]), {**columns_of(job), "action": "check", **choices}
        )
    job.refresh_from_db()
    return response


def test_the_mapping_step_asks_how_ambiguous_dates_are_written_and_remembers(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    path = write_csv(tmp_path / "us.csv", [US_HEADER, ["1", "1/2/2025", "c1", "p1"], ["2", "3/4/2025", "c2", "p1"]])
    upload(client, path)
    job = ImportJob.objects.get()
    check(client, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.UPLOADED and job.date_question == ["1/2/2025", "3/4/2025"]
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'id="import-date-question"' in page and "1/2/2025" in page and 'name="date_format"' in page
    assert 'value="mdy"' in page and 'value="dmy"' in page

    check(client, job, django_capture_on_commit_callbacks, date_format="mdy")
    assert (job.status, job.checked, job.date_question) == (ImportStatus.CHECKED, True, [])
    assert ImportSettings.objects.get(organization=world.org).date_format == "mdy"

    # The next file of the organization: the same question is answered already.
    upload(client, path)
    second = ImportJob.objects.order_by("-pk").first()
    check(client, second, django_capture_on_commit_callbacks)
    assert (second.status, second.checked, second.dates_read_as) == (ImportStatus.CHECKED, True, "mdy")
    assert "month/day/year" in client.get(reverse("imports:detail", args=[second.pk])).content.decode()


def test_rows_without_a_customer_are_skipped_when_chosen_and_counted(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    world.org.currency = "GBP"
    world.org.save(update_fields=["currency"])
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "lines.csv", [ONLINE_RETAIL, *online_retail_rows()], delimiter=","))
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'name="without_customer"' in page and 'value="skip"' in page and 'value="anonymous"' in page
    # No currency column: the page says every amount is in the organization's currency.
    assert 'id="import-currency"' in page and "GBP" in page

    check(client, job, django_capture_on_commit_callbacks, without_customer="skip")
    assert (job.checked, job.skipped, job.without_customer) == (True, 2, "skip")
    assert 'id="import-skipped"' in client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:detail", args=[job.pk]), {"action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.skipped == 2
    assert not Customer.objects.filter(organization=world.org, external_id="NA").exists()
    assert ImportSettings.objects.get(organization=world.org).without_customer == "skip"


def test_a_currency_column_is_named_on_the_mapping_step(world, login, tmp_path):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "c.csv", [[*US_HEADER, "Currency"], ["1", "2025-01-02", "c1", "p1", "USD"]]))
    page = client.get(reverse("imports:detail", args=[ImportJob.objects.get().pk])).content.decode()
    assert "from the column “Currency”" in page


def test_a_finished_xlsx_import_page_shows_its_report_once_the_file_is_gone(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    rows = [US_HEADER, ["1", "2025-01-02", "c1", "p1"], ["2", "2025-01-03", "c2", "p1"]]
    upload(client, write_xlsx(tmp_path / "lines.xlsx", rows))
    job = ImportJob.objects.get()
    assert job.file_format == "xlsx" and job.samples[0][:2] == ["1", "2025-01-02"]
    check(client, job, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:detail", args=[job.pk]), {"action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.stored_name == ""
    response = client.get(reverse("imports:detail", args=[job.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-done"' in page and 'id="import-kinds"' in page and Purchase.objects.count() == 2


def test_a_page_whose_file_was_removed_behind_its_back_still_shows(world, login, tmp_path):
    client = login(world.manager)
    upload(client, write_xlsx(tmp_path / "lines.xlsx", [US_HEADER, ["1", "2025-01-02", "c1", "p1"]]))
    job = ImportJob.objects.get()
    job_path(job).unlink()
    response = client.get(reverse("imports:detail", args=[job.pk]))
    assert response.status_code == 200 and "2025-01-02" in response.content.decode()


def test_a_second_import_of_the_same_file_says_nothing_changed(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    path = write_csv(tmp_path / "c.csv", [US_HEADER, ["1", "2025-01-02", "c1", "p1"]])
    for _ in range(2):
        upload(client, path)
        job = ImportJob.objects.order_by("-pk").first()
        check(client, job, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports:detail", args=[job.pk]), {"action": "import"})
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'id="import-nothing-changed"' in page


def test_a_file_with_16384_columns_is_refused_with_a_small_page(world, login, tmp_path):
    client = login(world.manager)
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(16384)], ["x"] * 16384])
    response = upload(client, path)
    assert response.status_code == 400
    assert "16384 columns; at most 200" in response.content.decode()
    assert len(response.content) < 100_000 and not ImportJob.objects.exists()


def test_commerceml_is_refused_as_the_wrong_kind_at_upload(world, login, tmp_path):
    from otklik.imports.tests.exports import COMMERCEML_CATALOGUE, write_text

    client = login(world.manager)
    response = upload(client, write_text(tmp_path / "import.xml", COMMERCEML_CATALOGUE), kind="purchases")
    assert response.status_code == 400 and "catalogue: import it as products" in response.content.decode()


def test_a_commerceml_orders_file_is_uploaded_checked_and_imported(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    from otklik.imports.tests.exports import COMMERCEML_ORDERS, write_text

    client = login(world.manager)
    upload(client, write_text(tmp_path / "orders.txt", COMMERCEML_ORDERS, "cp1251"))
    job = ImportJob.objects.get()
    assert job.file_format == "cml-orders" and job.stored_name.endswith(".xml")
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "1C CommerceML, orders" in page and "Иванова Анна" in page
    check(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.checked, job.rows_total, job.dates_read_as) == (ImportStatus.CHECKED, True, 3, "iso")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:detail", args=[job.pk]), {"action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.kinds["customers"] == {"created": 2}
    assert Customer.objects.get(organization=world.org, external_id="c-17").email == "anna@example.ru"


@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_an_old_excel_or_opendocument_workbook_imports_through_the_page(
    world, login, tmp_path, django_capture_on_commit_callbacks, kind
):
    client = login(world.manager)
    if kind == "ods":
        rows = [["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]]
        rows += [["R1", "P1", ("float", "2"), ("date", "2025-03-01T10:30:00"), ("float", "12.5"), "1001"]]
        rows += [["R2", "P2", ("float", "-1"), ("date", "2025-03-02T11:00:00"), ("float", "7.25"), "1002"]]
        path = write_ods(tmp_path / "orders.ods", rows)
    else:
        path = tmp_path / "orders.xls"  # written by xlwt 1.3.0: the same two orders
        path.write_bytes((Path(__file__).parent / "files" / "orders.xls").read_bytes())
    upload(client, path)
    job = ImportJob.objects.get()
    assert job.file_format == kind and job.samples[0][:2] == ["R1", "P1"]
    check(client, job, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:detail", args=[job.pk]), {"action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert sorted(Purchase.objects.values_list("external_id", "status")) == [("R1", "completed"), ("R2", "returned")]
