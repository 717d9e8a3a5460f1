"""The /metrics/ page: breakdowns, the NPS comparison verdict, charts, CSV/XLSX exports, roles and strangers."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, answer, utc
from otklik.dashboard.tests.metrics_helpers import bulk_answers


def rows_of_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def rows_of_xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_it_asks_for_a_login(client, world):
    response = client.get("/metrics/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_shows_every_metric_by_touchpoint_with_intervals_and_charts(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 5 + [8] * 3 + [2] * 2, at=utc(2026, 1, 5))

    response = login(world.manager).get("/metrics/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="metrics-total"' in html and 'id="metrics-table"' in html
    assert "Main Street · Checkout" in html
    assert "30.0" in html and "-18.4…78.4" in html
    data = json.loads(html.split('<script id="metrics-chart-data" type="application/json">')[1].split("</script>")[0])
    assert data["nps"]["labels"] == ["Main Street · Checkout"]
    assert data["nps"]["values"] == [30.0] and data["nps"]["ranges"] == [[-18.4, 78.4]]
    assert "/static/dashboard/chart.umd.min.js" in html and "cdn" not in html.lower()


@pytest.mark.parametrize("by", ["touchpoint", "location", "employee", "segment", "product", "month", "week"])
def test_every_breakdown_renders(login, world, by):
    answer(survey=world.nps, touchpoint=world.checkout, score=9, comment=LINE_TO_REBOOK)
    response = login(world.manager).get("/metrics/", {"by": by})
    assert response.status_code == 200
    assert response.context["table"].by == by


def test_a_big_drop_is_called_significant(login, world):
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 50 + [8] * 30 + [2] * 20, at=utc(2026, 1, 15)
    )
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 30 + [8] * 30 + [2] * 40, at=utc(2026, 2, 15)
    )

    response = login(world.manager).get(
        "/metrics/", {"date_from": "2026-02-01", "date_to": "2026-02-28", "compare": "previous"}
    )

    comparison = response.context["comparison"]
    assert (comparison.a.value, comparison.b.value) == (30.0, -10.0)
    assert b"Significant" in response.content and b"-40.0 points" in response.content


def test_a_small_difference_between_locations_could_be_noise(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10, 10, 10, 8, 2], at=utc(2026, 1, 15))
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[10, 10, 8, 8, 2], at=utc(2026, 1, 15))

    response = login(world.manager).get(
        "/metrics/", {"location": world.store.pk, "compare": "location", "compare_location": world.other_store.pk}
    )

    comparison = response.context["comparison"]
    assert (comparison.label_a, comparison.label_b) == ("Main Street", "Airport")
    assert not comparison.difference.significant
    assert b"Could be noise" in response.content and b"p = 0.686" in response.content


@pytest.mark.parametrize(
    "query",
    [
        {"compare": "previous"},  # no period to compare
        {"compare": "location"},  # no location to compare with
        {"by": "horoscope"},
        {"export": "pdf"},
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
    ],
)
def test_bad_filters_are_refused_with_a_message(login, world, query):
    response = login(world.manager).get("/metrics/", query)
    assert response.status_code == 400
    assert b"The filter has mistakes" in response.content


def test_the_csv_export_is_the_table_shown(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10, 9, 2, 8], at=utc(2026, 1, 5))
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[0], at=utc(2026, 2, 5))

    response = login(world.manager).get("/metrics/", {"by": "month", "export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="otklik-metrics-month-' in response["Content-Disposition"]
    rows = rows_of_csv(response)
    assert rows[0][:4] == ["Month", "Answers", "NPS", "NPS interval (95%), low"]
    assert [row[0] for row in rows[1:]] == ["January 2026", "February 2026", "Total"]
    assert rows[1][1:3] == ["4", "25.0"]
    assert rows[3][1:3] == ["5", "0.0"]


def test_the_xlsx_export_keeps_numbers_as_numbers(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10, 9, 2, 8], at=utc(2026, 1, 5))

    response = login(world.viewer).get("/metrics/", {"by": "location", "export": "xlsx"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = rows_of_xlsx(response)
    assert rows[0][0] == "Location"
    assert rows[1][:3] == ["Main Street", 4, 25.0]
    assert rows[-1][0] == "Total"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(login, world):
    world.store.name = "=HYPERLINK(1)"
    world.store.save()
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10], at=utc(2026, 1, 5))

    response = login(world.manager).get("/metrics/", {"by": "location", "export": "csv"})

    assert rows_of_csv(response)[1][0] == "'=HYPERLINK(1)"


def test_a_viewer_reads_the_page(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    response = login(world.viewer).get("/metrics/")
    assert response.status_code == 200 and response.context["table"].total.answers == 1


def test_an_employees_export_holds_only_their_locations(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10], at=utc(2026, 1, 5))
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[0, 0], at=utc(2026, 1, 5))

    rows = rows_of_csv(login(world.employee).get("/metrics/", {"by": "location", "export": "csv"}))

    assert [row[0] for row in rows[1:]] == ["Main Street", "Total"]
    assert rows[-1][1] == "1"


def test_a_strangers_answers_never_appear_in_page_or_exports(login, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10], at=utc(2026, 1, 5))
    bulk_answers(survey=world.stranger_nps, touchpoint=world.stranger_checkout, scores=[0, 0, 0], at=utc(2026, 1, 5))
    client = login(world.stranger)

    page = client.get("/metrics/", {"by": "location"})
    csv_rows = rows_of_csv(client.get("/metrics/", {"by": "location", "export": "csv"}))
    xlsx_rows = rows_of_xlsx(client.get("/metrics/", {"by": "location", "export": "xlsx"}))

    assert b"Main Street" not in page.content
    assert [row[0] for row in csv_rows[1:]] == ["Rival Store", "Total"]
    assert [row[0] for row in xlsx_rows[1:]] == ["Rival Store", "Total"]
    assert csv_rows[-1][1] == "3"


def test_a_strangers_location_is_a_bad_filter_not_a_leak(login, world):
    bulk_answers(survey=world.stranger_nps, touchpoint=world.stranger_checkout, scores=[0], at=utc(2026, 1, 5))
    client = login(world.manager)

    for query in [
        {"location": world.stranger_store.pk, "export": "csv"},
        {"compare": "location", "compare_location": world.stranger_store.pk},
    ]:
        response = client.get("/metrics/", query)
        assert response.status_code == 400
        assert b"Rival Store" not in response.content


@pytest.mark.parametrize("role", ["owner", "manager", "employee", "viewer"])
def test_every_role_finds_metrics_people_and_report_in_the_menu(login, world, role):
    response = login(getattr(world, role)).get("/")
    for url in [b'href="/metrics/"', b'href="/people/"', b'href="/report/"']:
        assert url in response.content
    for url in ["/metrics/", "/people/", "/report/", "/report/pdf/"]:
        assert login(getattr(world, role)).get(url).status_code == 200


def test_someone_in_no_organization_is_refused_everywhere(login, world):
    from django.contrib.auth.models import User

    nobody = User.objects.create_user(username="nobody", password="pass-for-tests-1")
    client = login(nobody)
    for url in ["/metrics/", "/metrics/?export=csv", "/people/", "/report/", "/report/pdf/"]:
        assert client.get(url).status_code == 403
