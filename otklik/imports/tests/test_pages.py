from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from otklik.customers.models import Purchase
from otklik.imports.jobs import UNIMPORTED_FILES_KEPT_DAYS, imports_cleanup_due, job_path
from otklik.imports.models import ImportJob, ImportStatus
from otklik.imports.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv, write_xlsx


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def upload(client, path, kind="purchases"):
    with open(path, "rb") as f:
        return client.post(reverse("imports:list"), {"kind": kind, "file": f})


def columns_of(job: ImportJob) -> dict:
    by_column = {index: name for name, index in job.mapping.items()}
    return {f"col_{index}": by_column.get(index, "") for index in range(len(job.header))}


def test_a_manager_uploads_checks_and_imports_a_purchases_file(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    assert "/imports/" in client.get("/").content.decode()
    path = write_csv(tmp_path / "1c.csv", [PURCHASE_HEADER, *purchase_rows(5)], encoding="cp1251")
    response = upload(client, path)
    job = ImportJob.objects.get()
    assert response.status_code == 303 and response["Location"] == reverse("imports:detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-columns"' in page and "Customer 1" in page  # the first values beside each column
    assert job.mapping["purchased_at"] == 1 and job.encoding == "cp1251"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], {**columns_of(job), "action": "check"})
    assert response.status_code == 303
    job.refresh_from_db()
    assert (job.status, job.checked, job.rows_total) == (ImportStatus.CHECKED, True, 5)
    assert 'id="import-ok"' in client.get(response["Location"]).content.decode()
    assert not Purchase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "import"})
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportStatus.DONE, 5)
    assert Purchase.objects.filter(organization=world.org).count() == 5
    assert 'id="import-done"' in client.get(response["Location"]).content.decode()
    # The rows are in the base now: the uploaded file, with the customers' data, is gone.
    assert job.stored_name == "" and not list((tmp_path / "var" / "imports").rglob("*.csv"))


def test_bad_rows_are_listed_and_the_file_cannot_be_imported(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    rows = purchase_rows(60)
    for row in rows:
        row[7] = "много"  # not an amount
    upload(client, write_xlsx(tmp_path / "p.xlsx", [PURCHASE_HEADER, *rows]))
    job = ImportJob.objects.get()
    url = reverse("imports:detail", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**columns_of(job), "action": "check"})
    job.refresh_from_db()
    assert job.errors_total == 60 and not job.checked
    page = client.get(url).content.decode()
    assert 'data-row="2"' in page and 'data-row="51"' in page and 'data-row="52"' not in page  # 50 a page
    assert 'data-row="61"' in client.get(url + "?page=2").content.decode()
    assert client.post(url, {"action": "import"}).status_code == 400
    assert not Purchase.objects.exists()


def test_a_mapping_without_a_required_field_is_refused(world, login, tmp_path):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(2)]))
    job = ImportJob.objects.get()
    columns = columns_of(job) | {"col_1": ""}
    response = client.post(reverse("imports:detail", args=[job.pk]), {**columns, "action": "check"})
    assert response.status_code == 400 and "purchased_at" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_a_file_over_the_size_limit_gets_a_clear_error(world, login, settings):
    settings.OTKLIK_IMPORT_MAX_BYTES = 100
    client = login(world.manager)
    data = SimpleUploadedFile("big.csv", b"a;b\n" + b"1;2\n" * 100)
    response = client.post(reverse("imports:list"), {"kind": "purchases", "file": data})
    assert response.status_code == 400 and "largest accepted" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_is_refused_and_not_kept(world, login, settings):
    client = login(world.manager)
    data = SimpleUploadedFile("x.csv", b"\x00\x01\x02\x03")
    response = client.post(reverse("imports:list"), {"kind": "customers", "file": data})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    assert not list((settings.VAR_DIR / "imports").rglob("*.csv"))


def test_the_progress_endpoint_shows_a_bar_and_asks_htmx_to_reload_when_done(world, login, tmp_path):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(2)]))
    job = ImportJob.objects.get()
    job.status = ImportStatus.CHECKING
    job.save()
    response = client.get(reverse("imports:progress", args=[job.pk]))
    assert response.status_code == 200 and "<progress" in response.content.decode()
    job.status = ImportStatus.CHECKED
    job.save()
    response = client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_a_stranger_gets_404_for_another_organizations_import(world, login, tmp_path):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(2)]))
    job = ImportJob.objects.get()
    stranger = login(world.stranger)
    for name in ["imports:detail", "imports:progress"]:
        assert stranger.get(reverse(name, args=[job.pk])).status_code == 404
    assert stranger.post(reverse("imports:detail", args=[job.pk]), {"action": "import"}).status_code == 404
    assert job.original_name not in stranger.get(reverse("imports:list")).content.decode()


def test_an_employee_may_not_import(world, login):
    assert login(world.employee).get(reverse("imports:list")).status_code == 403


def test_the_empty_template_names_the_fields(world, login):
    response = login(world.manager).get(reverse("imports:template", args=["customers"]))
    assert response.content.decode().startswith("external_id,name,email")
    assert login(world.manager).get("/imports/template/nothing.csv").status_code == 404


def test_an_import_whose_worker_died_can_be_started_again(world, login, tmp_path, django_capture_on_commit_callbacks):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "p.csv", [PURCHASE_HEADER, *purchase_rows(3)]))
    job = ImportJob.objects.get()
    url = reverse("imports:detail", args=[job.pk])
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, checked=True)  # no progress since
    page = client.get(url).content.decode()
    assert 'id="import-stalled"' in page and 'id="import-run"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Purchase.objects.count() == 3


def test_progress_counts_one_pass_for_a_check_and_two_for_a_two_pass_import(world, login, tmp_path):
    from otklik.imports.jobs import _write_progress, job_progress

    login(world.manager).post(
        reverse("imports:list"),
        {"kind": "purchases", "file": SimpleUploadedFile("p.csv", b"a;b\n1;2\n")},
    )
    job = ImportJob.objects.get()
    job.rows_total = 200
    job.status = ImportStatus.CHECKING
    _write_progress(job, "checking", 50)
    assert job_progress(job)["percent"] == 25
    job.status = ImportStatus.IMPORTING
    assert job_progress(job)["percent"] == 12
    _write_progress(job, "writing", 100)
    assert job_progress(job)["percent"] == 75
    _write_progress(job, "importing", 100)
    assert job_progress(job)["percent"] == 50


def test_a_file_never_imported_is_removed_after_a_week_and_cannot_be_imported(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(world.manager)
    upload(client, write_csv(tmp_path / "old.csv", [PURCHASE_HEADER, *purchase_rows(3)]))
    upload(client, write_csv(tmp_path / "new.csv", [PURCHASE_HEADER, *purchase_rows(3)]))
    old, new = ImportJob.objects.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:detail", args=[old.pk]), {**columns_of(old), "action": "check"})
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=UNIMPORTED_FILES_KEPT_DAYS, hours=1)
    )
    old_path = job_path(ImportJob.objects.get(pk=old.pk))

    assert imports_cleanup_due() == 1
    assert imports_cleanup_due() == 0

    old.refresh_from_db()
    assert not old_path.exists() and job_path(new).exists()
    assert old.status == ImportStatus.FAILED and "upload it again" in old.message
    response = client.post(reverse("imports:detail", args=[old.pk]), {"action": "import"})
    assert response.status_code == 400 and "upload it again" in response.content.decode()
    assert not Purchase.objects.exists()
