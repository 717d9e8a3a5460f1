"""Complaints go through the one import pipeline: XLSX, any encoding, columns named in Russian, the import pages'
column choice, progress and row-numbered report."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from otklik.cases.models import Case
from otklik.cases.tests import samples
from otklik.imports.models import ImportJob, ImportStatus
from otklik.imports.tests.helpers import write_csv, write_xlsx
from otklik.imports.tests.test_pages import columns_of, upload
from otklik.messaging.models import OutboxMessage
from otklik.rules.tests.samples import RU_RUDE_STAFF

RU_HEADER = ["Номер обращения", "Дата", "Источник", "Магазин", "Клиент", "Телефон", "Текст жалобы", "Важность"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def test_the_quick_page_imports_an_xlsx_file_with_real_dates(world, login, tmp_path):
    header = ["source", "location", "customer_name", "content", "received_at", "external_id"]
    rows = [
        ["hotline", "Main Street", "Pat", samples.LUGGAGE, datetime.datetime(2025, 2, 20, 14, 5), 1001],
        ["visit", "Airport", "", RU_RUDE_STAFF, datetime.date(2025, 2, 21), "v-2"],
    ]
    data = write_xlsx(tmp_path / "c.xlsx", [header, *rows]).read_bytes()
    client = login(world.manager)
    check = client.post(reverse("cases:import"), {"file": SimpleUploadedFile("c.xlsx", data), "check": "1"})
    assert check.status_code == 200 and 'id="import-ok"' in check.content.decode()
    done = client.post(reverse("cases:import"), {"file": SimpleUploadedFile("c.xlsx", data), "import": "1"})
    assert done.status_code == 303
    cases = list(Case.objects.order_by("id"))
    # Excel's number 1001 is the id "1001", not "1001.0"; a date cell is a date, in the organization's zone.
    assert [(c.source, c.external_id, c.severity) for c in cases] == [
        ("hotline", "1001", "medium"),
        ("visit", "v-2", "medium"),
    ]
    local = cases[0].created_at.astimezone(world.org.zone)
    assert (local.date(), local.hour, local.minute) == (datetime.date(2025, 2, 20), 14, 5)


def test_the_quick_page_reads_russian_column_names_in_windows_1251(world, login, tmp_path):
    rows = [["7", "20.02.2025", "paper_book", "main street", "Ольга", "+7 916 000-00-01", RU_RUDE_STAFF, "high"]]
    data = write_csv(tmp_path / "c.csv", [RU_HEADER, *rows], encoding="cp1251").read_bytes()
    upload = {"file": SimpleUploadedFile("c.csv", data), "import": "1"}
    answer = login(world.manager).post(reverse("cases:import"), upload)
    assert answer.status_code == 303
    case = Case.objects.get()
    assert (case.content, case.severity, case.external_id, case.location.name) == (
        RU_RUDE_STAFF,
        "high",
        "7",
        "Main Street",
    )


def test_complaints_go_through_the_import_pages_with_a_report_by_row(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    rows = [
        ["1", "20.02.2025", "hotline", "Main Street", "Pat", "", samples.SEAT, ""],
        ["2", "21.02.2025", "fax", "Moon Base", "", "", "", "urgent"],
    ]
    response = upload(client, write_csv(tmp_path / "c.csv", [RU_HEADER, *rows], encoding="cp1251"), kind="complaints")
    job = ImportJob.objects.get()
    assert response.status_code == 303 and job.kind == "complaints" and job.encoding == "cp1251"
    assert job.mapping == {
        "external_id": 0,
        "received_at": 1,
        "source": 2,
        "location": 3,
        "customer_name": 4,
        "customer_phone": 5,
        "content": 6,
        "severity": 7,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {**columns_of(job), "action": "check"})
    job.refresh_from_db()
    assert (job.status, job.checked, job.rows_total, job.errors_total) == (ImportStatus.CHECKED, False, 2, 1)
    row, reasons = job.errors[0]
    assert row == 3 and "unknown source “fax”" in reasons[0] and "unknown location “Moon Base”" in reasons[1]
    assert 'data-row="3"' in client.get(response["Location"]).content.decode()
    assert not Case.objects.exists()


def test_a_good_complaints_file_is_imported_once_from_the_import_pages(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    rows = [
        ["1", "20.02.2025", "hotline", "Main Street", "Pat", "", samples.SEAT, ""],
        ["2", "2025-02-21 10:30", "review_site", "Airport", "", "", samples.WIFI, "low"],
    ]
    path = write_xlsx(tmp_path / "c.xlsx", [RU_HEADER, *rows])
    for attempt in (1, 2):
        response = upload(client, path, kind="complaints")
        job = ImportJob.objects.first()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(response["Location"], {**columns_of(job), "action": "check"})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(response["Location"], {"action": "import"})
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE
        # The second upload of the same file opens nothing: each row's id was imported already.
        assert (job.created, job.unchanged) == ((2, 0) if attempt == 1 else (0, 2))
    assert sorted(Case.objects.values_list("external_id", "source")) == [("1", "hotline"), ("2", "review_site")]
    assert Case.objects.get(external_id="1").events.filter(note="Imported from a file").exists()
    assert not OutboxMessage.objects.exists()  # old complaints in bulk alert nobody
    assert "complaints.csv" in client.get(reverse("imports:list")).content.decode()
    template = client.get(reverse("imports:template", args=["complaints"])).content.decode()
    assert template.startswith("source,location,content")


def test_the_import_command_takes_complaints_too(world, tmp_path, capsys):
    rows = [["1", "20.02.2025", "hotline", "Main Street", "Pat", "", samples.SEAT, ""]]
    path = write_csv(tmp_path / "c.csv", [RU_HEADER, *rows], encoding="cp1251")
    call_command("import", "complaints", str(path), org=world.org.slug)
    call_command("import", "complaints", str(path), org=world.org.slug)  # the second time opens nothing
    assert list(Case.objects.values_list("external_id", "source")) == [("1", "hotline")]
    assert "Текст жалобы → content" in capsys.readouterr().out


def test_the_import_pages_can_alert_and_thank_when_asked(world, login, tmp_path, django_capture_on_commit_callbacks):
    client = login(world.manager)
    rows = [["1", "20.02.2025", "hotline", "Main Street", "Pat", "", samples.SEAT, ""]]
    header = [*RU_HEADER, "E-mail"]
    response = upload(client, write_csv(tmp_path / "c.csv", [header, [*rows[0], "pat@example.org"]]), kind="complaints")
    job = ImportJob.objects.get()
    assert 'id="import-notify"' in client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {**columns_of(job), "notify": "on", "action": "check"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "import"})
    job.refresh_from_db()
    assert (job.status, job.notify, job.created) == (ImportStatus.DONE, True, 1)
    assert sorted(OutboxMessage.objects.values_list("kind", flat=True)) == ["case_alert", "case_thank_you"]
