"""The dashboard reads the rollups once they are reconciled: same figures, same scoping, far fewer rows."""

from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, NEEDS_PILLOWS, answer, utc
from otklik.rollups.models import ResponseRollup
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey


def reconciled(world) -> None:
    rollups_reconcile(organization=world.org)
    rollups_reconcile(organization=world.other_org)


def test_the_dashboard_shows_the_rollups_figures(login, world):
    csat = make_survey(organization=world.org, kind="csat")
    for score in [9, 10, 10, 7, 6, 0]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score, at=utc(2026, 1, 10))
    answer(survey=csat, touchpoint=world.other_checkout, score=5, at=utc(2026, 2, 10))
    reconciled(world)
    # Changed behind the rollups' back: the page must not see it until the next reconciliation.
    Response.objects.filter(organization=world.org, kind="nps").update(score=10)

    response = login(world.manager).get("/")

    html = response.content.decode()
    assert 'id="headline-nps"' in html and ">16.7<" in html
    assert "<td>Main Street · Checkout</td><td>16.7</td><td>6</td><td>3</td><td>1</td><td>2</td>" in html
    assert "<td>January 2026</td><td>16.7</td>" in html
    [csat_month] = response.context["sections"][1]["by_month"]
    assert (csat_month.metric.score, csat_month.metric.mean, csat_month.metric.count) == (100.0, 5.0, 1)

    rollups_reconcile(organization=world.org)
    assert ">100.0<" in login(world.manager).get("/").content.decode()


def test_the_period_and_location_filters_narrow_the_rollups(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 1, 10))
    answer(survey=world.nps, touchpoint=world.checkout, score=0, at=utc(2026, 3, 10))
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, at=utc(2026, 1, 31, 23))
    world.org.time_zone = "Europe/Moscow"  # 23:00 UTC on 31 January is 1 February there
    world.org.save()
    reconciled(world)
    client = login(world.manager)

    january = client.get("/", {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    main_street = client.get("/", {"location": world.store.pk})

    assert (january.context["sections"][0]["headline"].count, january.context["sections"][0]["headline"].score) == (
        1,
        100.0,
    )
    assert main_street.context["sections"][0]["headline"].count == 2
    assert [row.location_name for row in main_street.context["sections"][0]["by_touchpoint"]] == ["Main Street"]


def test_an_employee_sees_only_their_locations_rollups(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, comment=NEEDS_PILLOWS)
    reconciled(world)
    assert ResponseRollup.objects.filter(organization=world.org).count() == 4  # two places, a day and a month each

    response = login(world.employee).get("/")

    headline = response.context["sections"][0]["headline"]
    assert (headline.count, headline.score) == (1, 100.0)
    assert b"Airport" not in response.content


def test_a_strangers_rollups_never_appear(login, world):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    reconciled(world)

    response = login(world.manager).get("/")

    assert response.context["sections"][0]["headline"].count == 1
    assert b"Rival" not in response.content
    stranger_view = login(world.stranger).get("/", {"location": world.store.pk})
    assert stranger_view.status_code == 400
    assert b"Main Street" not in stranger_view.content
