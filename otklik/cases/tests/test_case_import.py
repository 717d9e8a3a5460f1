"""Complaints imported from a CSV file: every bad row reported by line, all or nothing, idempotent."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from otklik.accounts.selectors import visible_locations
from otklik.cases import imports
from otklik.cases.models import Case
from otklik.cases.tests import samples
from otklik.intake.complaints import complaints_import
from otklik.messaging.models import OutboxMessage
from otklik.rules.tests.samples import RU_RUDE_STAFF

IMPORT = reverse("cases:import")
HEADER = [
    "source",
    "location",
    "customer_name",
    "customer_email",
    "customer_phone",
    "content",
    "severity",
    "received_at",
    "external_id",
]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


GOOD = [
    ["hotline", "Main Street", "Pat", "pat@example.org", "", samples.LUGGAGE, "high", "2025-02-20", "h-1"],
    ["review_site", "airport", "", "", "+1 555 0100", samples.SERVICE, "", "2025-02-21 14:05", "r-7"],
    ["paper_book", "Main Street", "Ольга", "", "", RU_RUDE_STAFF, "low", "", ""],
]


def parse(world, data: bytes):
    from otklik.accounts.models import Membership

    membership = Membership.objects.get(user=world.manager)
    return imports.cases_csv_parse(
        data=data, organization=world.org, locations=visible_locations(membership=membership)
    )


def test_a_good_file_is_checked_then_imported(world, login):
    client = login(world.manager)
    check = client.post(IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD)), "check": "1"})
    assert check.status_code == 200
    assert 'id="import-ok"' in check.content.decode()
    assert not Case.objects.exists()

    done = client.post(IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD)), "import": "1"})
    assert done.status_code == 303
    cases = list(Case.objects.order_by("id"))
    assert [(c.source, c.location.name, c.external_id) for c in cases] == [
        ("hotline", "Main Street", "h-1"),
        ("review_site", "Airport", "r-7"),
        ("paper_book", "Main Street", None),
    ]
    assert cases[0].severity == "high" and cases[1].severity == "medium"
    assert cases[0].created_at.date().isoformat() == "2025-02-20"
    assert cases[2].content == RU_RUDE_STAFF
    assert not OutboxMessage.objects.exists()  # old complaints typed up in bulk alert nobody unless asked


def test_the_check_reports_every_bad_row_by_its_line(world, login):
    rows = [
        GOOD[0],
        ["fax", "Main Street", "", "", "", samples.SEAT, "", "", ""],
        ["hotline", "Moon Base", "", "not-an-email", "", "", "urgent", "yesterday", ""],
        ["hotline", "Main Street", "", "", "", samples.GATE, "", "", "h-1"],
        GOOD[1],
    ]
    answer = login(world.manager).post(IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(rows)), "check": "1"})
    assert answer.status_code == 400
    errors = {error.line: error.message for error in answer.context["preview"].errors}
    assert set(errors) == {3, 4, 5}
    assert "unknown source “fax”" in errors[3]
    for part in [
        "unknown location “Moon Base”",
        "not an e-mail address",
        "complaint text is empty",
        "unknown severity “urgent”",
        "“yesterday” is not a date",
    ]:
        assert part in errors[4]
    assert "repeats line 2" in errors[5]
    html = answer.content.decode()
    assert 'data-line="3"' in html and 'data-line="5"' in html


def test_a_file_with_any_bad_row_imports_nothing(world, login):
    rows = [*GOOD, ["hotline", "Nowhere", "", "", "", samples.WIFI, "", "", ""]]
    answer = login(world.manager).post(IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(rows)), "import": "1"})
    assert answer.status_code == 400
    assert not Case.objects.exists()
    with pytest.raises(ValidationError):
        complaints_import(preview=parse(world, csv_bytes(rows)), by=world.manager)
    assert not Case.objects.exists()


def test_importing_the_same_file_twice_adds_only_rows_without_an_id(world):
    first = complaints_import(preview=parse(world, csv_bytes(GOOD[:2])), by=world.manager)
    assert len(first) == 2
    preview = parse(world, csv_bytes(GOOD[:2]))
    assert preview.ok and preview.rows == [] and preview.already_imported == [2, 3]
    assert complaints_import(preview=preview, by=world.manager) == []
    assert Case.objects.count() == 2


def test_it_reads_excel_files_with_semicolons_in_windows_1251(world):
    preview = parse(world, csv_bytes([GOOD[2]], delimiter=";", encoding="cp1251"))
    assert preview.ok and preview.rows[0].content == RU_RUDE_STAFF


def test_it_refuses_a_file_without_the_columns(world):
    with pytest.raises(ValidationError, match="lacks the column"):
        parse(world, csv_bytes([["x"]], header=["text"]))


def test_it_can_alert_and_thank_when_asked(world, login):
    login(world.manager).post(
        IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD[:1])), "import": "1", "notify": "on"}
    )
    assert sorted(OutboxMessage.objects.values_list("kind", flat=True)) == ["case_alert", "case_thank_you"]


def test_a_location_of_another_organization_is_unknown(world, login):
    rows = [["hotline", "Rival Store", "", "", "", samples.SEAT, "", "", ""]]
    answer = login(world.manager).post(IMPORT, {"file": SimpleUploadedFile("c.csv", csv_bytes(rows)), "check": "1"})
    assert "unknown location" in answer.context["preview"].errors[0].message


def test_employees_and_viewers_cannot_import(world, login):
    for user in (world.employee, world.viewer):
        assert login(user).get(IMPORT).status_code == 403
        data = {"file": SimpleUploadedFile("c.csv", csv_bytes(GOOD)), "import": "1"}
        assert login(user).post(IMPORT, data).status_code == 403
    assert not Case.objects.exists()
