"""The date format taken from the first rows and confirmed by the whole column as the import reads it (decision 0068).

The first rows are DATE_PEEK_ROWS, made 5 here so that small files have rows past them. Every
result must be the one a whole-column decision made first gives (the guards, which pass without
the provisional format too); the tests that name a pass count are the aim itself.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.customers.models import Purchase, PurchaseLine
from otklik.imports import services
from otklik.imports.services import DatesAmbiguous, read_options
from otklik.imports.tests.helpers import write_csv
from otklik.imports.tests.test_import import fast, run, snapshot  # noqa: F401 (a fixture)
from otklik.outreach.models import ScheduledInvitation

HEADER = ["Номер", "Дата", "Код клиента", "Код товара", "Количество", "Сумма"]
PEEK = 5


@pytest.fixture
def counted(monkeypatch):
    """Few first rows, and how often the file was read whole for its dates and imported (the writer's runs)."""
    monkeypatch.setattr(services, "DATE_PEEK_ROWS", PEEK, raising=False)
    calls = {"decide": 0, "imports": 0}
    decide, check = services.decide_date_format, services._check_and_write

    def counting_decide(*args, **kwargs):
        calls["decide"] += 1
        return decide(*args, **kwargs)

    def counting_check(**kwargs):
        calls["imports"] += 1
        return check(**kwargs)

    monkeypatch.setattr(services, "decide_date_format", counting_decide)
    monkeypatch.setattr(services, "_check_and_write", counting_check)
    return calls


def lines(dates: list[str]) -> list[list]:
    """One order of two lines per date (the second line of each order a return of half of it)."""
    rows = [HEADER]
    for i, moment in enumerate(dates, start=1):
        rows += [
            [f"R{i}", moment, f"C{i % 4}", f"P{i % 3}", "2", "200"],
            [f"R{i}", moment, f"C{i % 4}", "P9", "1", "50"],
        ]
    return rows


def clean_import(organization, path, date_format: str, fast: bool):  # noqa: F811
    return run(
        organization,
        "purchases",
        path,
        fast=fast,
        chunk_rows=4,
        options=read_options(organization, date_format=date_format),
    )


def test_first_rows_that_settle_the_format_spare_the_deciding_pass(world, tmp_path, fast, counted):  # noqa: F811
    path = write_csv(tmp_path / "dmy.csv", lines([f"{1 + i % 28:02d}.03.2025 10:{i:02d}" for i in range(30)]))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert report.written and report.date_format == "dmy" and report.created == 30
    assert counted == {"decide": 0, "imports": 1}  # the file read once: its dates counted as they were imported
    assert Purchase.objects.get(organization=world.org, external_id="R20").purchased_at.month == 3


def test_first_rows_iso_most_rows_day_month_refused_with_the_iso_rows(world, tmp_path, fast, counted):  # noqa: F811
    dates = [f"2025-03-0{i + 1}" for i in range(3)] + [f"{13 + i}.03.2025" for i in range(10)]
    path = write_csv(tmp_path / "mixed.csv", lines(dates))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert report.date_format == "dmy" and not report.ok and not report.written
    assert [row for row, _reasons in report.errors] == [2, 3, 4, 5, 6, 7]  # the ISO lines, read as d.m.Y
    assert not Purchase.objects.filter(organization=world.org).exists()
    assert report.errors == clean_import(world.org, path, "dmy", fast).errors


def test_first_rows_day_month_later_rows_month_day_decided_by_the_whole_column(world, tmp_path, fast, counted):  # noqa: F811
    dates = [f"{13 + i}/01/2025" for i in range(3)] + [f"01/{13 + i}/2025 9:00" for i in range(10)]
    path = write_csv(tmp_path / "us.csv", lines(dates))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert report.date_format == "mdy" and not report.ok
    assert [row for row, _reasons in report.errors] == [2, 3, 4, 5, 6, 7]  # the d/m lines
    assert "13/01/2025" in report.errors[0][1][0]
    assert not Purchase.objects.filter(organization=world.org).exists()


def test_excel_serials_first_then_text_dates_stored_once_as_a_clean_import(world, tmp_path, fast, counted):  # noqa: F811
    dates = ["45717.5", "45718", "45719.25"] + [f"{13 + i}.03.2025" for i in range(10)]
    path = write_csv(tmp_path / "serials.csv", lines(dates))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert report.written and report.date_format == "dmy" and report.created == 13
    assert counted["imports"] == 2  # read as Excel serials first: nothing kept, imported again as d.m.Y
    reference = clean_import(world.other_org, path, "dmy", fast)
    assert (report.rows, report.created, report.updated, report.unchanged) == (
        reference.rows,
        reference.created,
        reference.updated,
        reference.unchanged,
    )
    assert snapshot(world.org) == snapshot(world.other_org)
    assert PurchaseLine.objects.filter(purchase__organization=world.org).count() == 26
    invitations = ScheduledInvitation.objects.filter(organization=world.org).count()
    assert invitations == ScheduledInvitation.objects.filter(organization=world.other_org).count()


def test_ambiguous_at_the_start_and_settled_later(world, tmp_path, fast, counted):  # noqa: F811
    dates = [f"0{1 + i}/02/2025" for i in range(6)] + ["12/13/2025"] + [f"0{1 + i}/03/2025" for i in range(6)]
    path = write_csv(tmp_path / "late.csv", lines(dates))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert report.written and report.date_format == "mdy"
    assert counted == {"decide": 1, "imports": 1}  # ambiguous first rows: the column decided first, as before
    assert Purchase.objects.get(organization=world.org, external_id="R2").purchased_at.month == 2


def test_a_remembered_answer_is_provisional_until_the_column_settles_otherwise(world, tmp_path, fast, counted):  # noqa: F811
    dates = [f"0{1 + i}/02/2025" for i in range(6)] + ["12/13/2025"] + [f"0{1 + i}/03/2025" for i in range(6)]
    path = write_csv(tmp_path / "late.csv", lines(dates))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4, remembered_date_format="dmy")
    assert report.written and report.date_format == "mdy"  # the column says month/day: the answer is not asked
    assert Purchase.objects.get(organization=world.org, external_id="R2").purchased_at.month == 2
    assert Purchase.objects.filter(organization=world.org).count() == 13
    assert PurchaseLine.objects.filter(purchase__organization=world.org).count() == 26
    clean_import(world.other_org, path, "mdy", fast)
    assert snapshot(world.org) == snapshot(world.other_org)


def test_all_ambiguous_asks_and_nothing_is_written(world, tmp_path, fast, counted):  # noqa: F811
    path = write_csv(tmp_path / "both.csv", lines([f"0{1 + i % 9}/0{1 + i % 7}/2025" for i in range(12)]))
    with pytest.raises(DatesAmbiguous, match="01/01/2025"):
        run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert not Purchase.objects.filter(organization=world.org).exists()


def test_all_ambiguous_takes_the_remembered_answer(world, tmp_path, fast, counted):  # noqa: F811
    path = write_csv(tmp_path / "both.csv", lines([f"0{1 + i % 9}/0{1 + i % 7}/2025" for i in range(12)]))
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=4, remembered_date_format="mdy")
    assert report.written and report.date_format == "mdy" and report.created == 12
    assert counted["imports"] == 1
    assert Purchase.objects.get(organization=world.org, external_id="R2").purchased_at.day == 2


def test_serials_first_then_ambiguous_text_asks_and_nothing_is_written(world, tmp_path, fast, counted):  # noqa: F811
    dates = ["45717.5", "45718", "45719.25", "45720", "45721", "45722"] + [f"0{1 + i}/02/2025" for i in range(6)]
    path = write_csv(tmp_path / "serials.csv", lines(dates))
    with pytest.raises(DatesAmbiguous, match="01/02/2025"):
        run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert not Purchase.objects.filter(organization=world.org).exists()


def test_a_second_import_of_the_same_file_changes_nothing(world, tmp_path, fast, counted):  # noqa: F811
    path = write_csv(tmp_path / "dmy.csv", lines([f"{1 + i % 28:02d}.03.2025 10:{i:02d}" for i in range(30)]))
    run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    again = run(world.org, "purchases", path, fast=fast, chunk_rows=4)
    assert again.written and again.date_format == "dmy" and not again.changed and again.unchanged == 30


def test_ramped_chunks_start_small_and_double():
    assert [len(chunk) for chunk in services.ramped(range(40), 10, first=2)] == [2, 4, 8, 10, 10, 6]
    assert [len(chunk) for chunk in services.ramped(range(25), 10, first=30)] == [10, 10, 5]


def test_small_first_chunks_store_what_even_chunks_store(world, tmp_path, fast, monkeypatch):  # noqa: F811
    recent = [timezone.now() - timedelta(days=2 + i % 5, minutes=i) for i in range(40)]  # due for invitations
    path = write_csv(tmp_path / "dmy.csv", lines([f"{moment:%d.%m.%Y %H:%M}" for moment in recent]))
    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", 1000)
    even = run(world.other_org, "purchases", path, fast=fast, chunk_rows=16)
    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", 1)
    ramped = run(world.org, "purchases", path, fast=fast, chunk_rows=16)
    assert (ramped.rows, ramped.created, ramped.updated) == (even.rows, even.created, even.updated) == (80, 40, 0)
    assert snapshot(world.org) == snapshot(world.other_org)
    invitations = ScheduledInvitation.objects.filter(organization=world.org).count()
    assert invitations and invitations == ScheduledInvitation.objects.filter(organization=world.other_org).count()
