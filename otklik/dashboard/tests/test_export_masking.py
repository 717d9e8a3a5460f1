"""Masked means masked (issue 13, item 8): CSV and XLSX files carry no insult to those not allowed originals."""

import io

from openpyxl import load_workbook

from otklik.accounts.models import Membership
from otklik.dashboard import exports

# The words of a real complaint (sentirueval2016-ru, tweet 624623807320460000) in a text column.
ROWS = [["В ВТБ24 @vtb – наглые хамы", 3, 1.5]]


def membership(world, user) -> Membership:
    return Membership.objects.get(organization=world.org, user=user)


def test_the_csv_masks_text_cells_for_an_employee_and_keeps_numbers(world):
    content = exports.csv_bytes(["text", "n", "x"], ROWS, membership=membership(world, world.employee)).decode()
    assert "наглые х***,3,1.5" in content and "хамы" not in content


def test_the_xlsx_masks_text_cells_for_a_viewer(world):
    content = exports.xlsx_bytes(["text", "n", "x"], ROWS, title="t", membership=membership(world, world.viewer))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "В ВТБ24 @vtb – наглые х***" and sheet["B2"].value == 3


def test_a_manager_gets_the_original(world):
    content = exports.csv_bytes(["text", "n", "x"], ROWS, membership=membership(world, world.manager)).decode()
    assert "наглые хамы" in content


def test_the_metrics_export_goes_through_the_mask(world, login):
    world.checkout.name = "Касса, где хамло"  # a name typed by someone, shown in the export by touchpoint
    world.checkout.save()
    from otklik.testing.factories import make_response

    make_response(survey=world.nps, touchpoint=world.checkout, score=9)
    response = login(world.employee).get("/metrics/", {"by": "touchpoint", "export": "csv"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Касса, где х****" in content and "хамло" not in content
