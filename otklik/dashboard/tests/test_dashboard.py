"""The dashboard page: headline figures, tables, chart data and open cases, all scoped."""

import json

from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, NEEDS_PILLOWS, answer, utc
from otklik.testing.factories import make_survey


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dashboard-chart-data" type="application/json">') + len(
        '<script id="dashboard-chart-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_it_asks_for_a_login(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_renders_with_no_answers_at_all(login, world):
    response = login(world.manager).get("/")
    assert response.status_code == 200
    assert b"No answers in this period." in response.content
    assert b"dashboard-chart-data" not in response.content
    assert b"chart.umd.min.js" not in response.content
    assert response.context["open_case_count"] == 0


def test_it_shows_figures_as_tables_and_chart_data(login, world):
    csat = make_survey(organization=world.org, kind="csat")
    for score in [9, 10, 10, 7, 6, 0]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score, at=utc(2026, 1, 10))
    answer(survey=csat, touchpoint=world.other_checkout, score=5, at=utc(2026, 2, 10))

    response = login(world.manager).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="headline-nps"' in html and ">16.7<" in html
    assert 'id="metric-nps"' in html and 'id="metric-csat"' in html
    assert 'id="metric-ces"' not in html  # no CES answers: no empty chart
    assert "<td>Main Street · Checkout</td><td>16.7</td><td>6</td><td>3</td><td>1</td><td>2</td>" in html
    assert "<td>January 2026</td><td>16.7</td>" in html
    assert "/static/dashboard/chart.umd.min.js" in html and "/static/dashboard/charts.js" in html
    data = chart_data(response)
    assert set(data) == {"nps", "csat"}
    assert data["nps"]["by_touchpoint"] == {"labels": ["Main Street · Checkout"], "values": [16.7], "counts": [6]}
    assert data["nps"]["by_month"]["labels"] == ["January 2026"]
    assert data["csat"]["by_month"]["values"] == [100.0]


def test_it_filters_by_period_and_location(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 1, 10))
    answer(survey=world.nps, touchpoint=world.checkout, score=0, at=utc(2026, 3, 10))
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, at=utc(2026, 1, 12))
    client = login(world.manager)

    january = client.get("/", {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    main_street = client.get("/", {"location": world.store.pk})

    assert january.context["sections"][0]["headline"].count == 2
    assert january.context["sections"][0]["headline"].score == 0.0
    assert main_street.context["sections"][0]["headline"].count == 2
    assert [row.location_name for row in main_street.context["sections"][0]["by_touchpoint"]] == ["Main Street"]


def test_an_employee_sees_only_their_locations_figures(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, comment=NEEDS_PILLOWS)

    response = login(world.employee).get("/")

    headline = response.context["sections"][0]["headline"]
    assert (headline.count, headline.score) == (1, 100.0)
    assert b"Airport" not in response.content
    assert response.context["open_case_count"] == 0


def test_an_employee_cannot_pick_another_location(login, world):
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, comment=NEEDS_PILLOWS)
    response = login(world.employee).get("/", {"location": world.other_store.pk})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert b"Airport" not in response.content


def test_a_strangers_answers_never_appear(login, world):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    answer(survey=world.nps, touchpoint=world.checkout, score=10)

    response = login(world.manager).get("/")

    assert response.context["sections"][0]["headline"].count == 1
    assert response.context["open_case_count"] == 0
    assert b"Rival" not in response.content
    assert chart_data(response)["nps"]["by_touchpoint"]["counts"] == [1]


def test_a_strangers_location_is_a_bad_filter_not_a_leak(login, world):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    response = login(world.manager).get("/", {"location": world.stranger_store.pk})
    assert response.status_code == 400
    assert b"Rival Store" not in response.content
    assert b"Denver" not in response.content


def test_it_rejects_bad_dates_with_a_message(login, world):
    client = login(world.manager)
    response = client.get("/", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert b"Enter a valid date." in response.content
    reversed_period = client.get("/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert reversed_period.status_code == 400
    assert b"The start of the period must not be after its end." in reversed_period.content


def test_it_lists_open_cases_with_their_holders_and_age(login, world):
    detractor = answer(survey=world.nps, touchpoint=world.checkout, score=2, comment=LINE_TO_REBOOK)
    answer(survey=world.nps, touchpoint=world.checkout, score=10)

    response = login(world.manager).get("/")

    html = response.content.decode()
    assert response.context["open_case_count"] == 1
    assert f'href="/cases/{detractor.case.pk}/"' in html
    assert [(h.name, h.open_count) for h in response.context["case_holders"]] == [("emma", 1)]
    assert "Who holds them" in html


def test_the_open_case_count_is_the_holders_counts_added_up_nobodys_included(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=1)
    answer(survey=world.nps, touchpoint=world.checkout, score=2)
    unassigned = answer(survey=world.nps, touchpoint=world.other_checkout, score=3).case
    unassigned.responsible = None
    unassigned.save()
    world.employee.first_name, world.employee.last_name = "Emma", "Stone"
    world.employee.save()

    response = login(world.manager).get("/")

    assert response.context["open_case_count"] == 3
    assert [(h.name, h.open_count) for h in response.context["case_holders"]] == [("Emma Stone", 2), ("", 1)]
