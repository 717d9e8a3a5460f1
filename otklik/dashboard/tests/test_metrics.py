"""NPS, CSAT and CES arithmetic and their grouping, on the real database."""

import datetime
import zoneinfo

import pytest

from otklik.accounts.models import Membership
from otklik.dashboard import selectors
from otklik.dashboard.tests.helpers import COLD_DRINKS, LINE_TO_REBOOK, answer, utc
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey, make_touchpoint


def all_of(world):
    return Response.objects.filter(organization=world.org)


def test_it_computes_nps_from_promoters_and_detractors(world):
    for score in [9, 10, 10, 7, 6, 0]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score)
    result = selectors.nps(all_of(world))
    assert result == selectors.Nps(score=16.7, promoters=3, passives=1, detractors=2, count=6)


def test_it_counts_8_as_passive_and_6_as_detractor(world):
    for score in [8, 6]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score)
    result = selectors.nps(all_of(world))
    assert (result.passives, result.detractors, result.score) == (1, 1, -50.0)


def test_it_reaches_the_ends_of_the_nps_scale(world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    assert selectors.nps(all_of(world)).score == 100.0
    Response.objects.update(score=0)
    assert selectors.nps(all_of(world)).score == -100.0


def test_it_gives_no_score_without_answers(world):
    assert selectors.nps(all_of(world)) == selectors.Nps(score=None, promoters=0, passives=0, detractors=0, count=0)
    assert selectors.csat(all_of(world)) == selectors.Csat(score=None, satisfied=0, mean=None, count=0)
    assert selectors.ces(all_of(world)) == selectors.Ces(score=None, count=0)


def test_it_computes_csat_as_share_of_4_and_5(world):
    survey = make_survey(organization=world.org, kind="csat")
    for score in [5, 4, 3, 1]:
        answer(survey=survey, touchpoint=world.checkout, score=score)
    assert selectors.csat(all_of(world)) == selectors.Csat(score=50.0, satisfied=2, mean=3.25, count=4)


def test_it_rounds_csat_to_one_decimal(world):
    survey = make_survey(organization=world.org, kind="csat")
    for score in [5, 2, 2]:
        answer(survey=survey, touchpoint=world.checkout, score=score)
    result = selectors.csat(all_of(world))
    assert (result.score, result.mean) == (33.3, 3.0)


def test_it_computes_ces_as_mean_effort(world):
    survey = make_survey(organization=world.org, kind="ces")
    for score in [1, 2, 7]:
        answer(survey=survey, touchpoint=world.checkout, score=score)
    assert selectors.ces(all_of(world)) == selectors.Ces(score=3.33, count=3)


def test_each_metric_counts_only_its_own_kind(world):
    csat_survey = make_survey(organization=world.org, kind="csat")
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=csat_survey, touchpoint=world.checkout, score=5)
    assert selectors.nps(all_of(world)).count == 1
    assert selectors.csat(all_of(world)).count == 1
    assert selectors.ces(all_of(world)).count == 0


def test_it_groups_by_touchpoint(world):
    delivery = make_touchpoint(location=world.store, name="Delivery", kind="delivery")
    for score in [10, 10, 0]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score)
    answer(survey=world.nps, touchpoint=delivery, score=3)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=8)

    rows = selectors.metric_by_touchpoint(qs=all_of(world), kind="nps")

    assert [(row.label, row.metric.score, row.metric.count) for row in rows] == [
        ("Airport · Checkout", 0.0, 1),
        ("Main Street · Checkout", 33.3, 3),
        ("Main Street · Delivery", -100.0, 1),
    ]


def test_it_groups_by_month(world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 1, 5))
    answer(survey=world.nps, touchpoint=world.checkout, score=2, at=utc(2026, 1, 31, 23))
    answer(survey=world.nps, touchpoint=world.checkout, score=9, at=utc(2026, 3, 1, 0))

    rows = selectors.metric_by_month(qs=all_of(world), kind="nps")

    assert [(row.month, row.metric.score, row.metric.count) for row in rows] == [
        (datetime.date(2026, 1, 1), 0.0, 2),
        (datetime.date(2026, 3, 1), 100.0, 1),
    ]


def test_it_counts_months_in_the_organizations_time_zone(world):
    # 23:00 UTC on 31 January is already 1 February in Moscow (UTC+3).
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 1, 31, 23))
    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    rows = selectors.metric_by_month(qs=all_of(world), kind="nps", tz=moscow)
    assert [row.month for row in rows] == [datetime.date(2026, 2, 1)]


def test_it_groups_csat_and_ces_too(world):
    csat_survey = make_survey(organization=world.org, kind="csat")
    ces_survey = make_survey(organization=world.org, kind="ces")
    answer(survey=csat_survey, touchpoint=world.checkout, score=5, at=utc(2026, 2, 2))
    answer(survey=csat_survey, touchpoint=world.checkout, score=1, at=utc(2026, 2, 3))
    answer(survey=ces_survey, touchpoint=world.other_checkout, score=6, at=utc(2026, 4, 3))

    [csat_month] = selectors.metric_by_month(qs=all_of(world), kind="csat")
    [ces_place] = selectors.metric_by_touchpoint(qs=all_of(world), kind="ces")

    assert (csat_month.month, csat_month.metric.score, csat_month.metric.mean) == (datetime.date(2026, 2, 1), 50.0, 3.0)
    assert (ces_place.location_name, ces_place.metric.score) == ("Airport", 6.0)


def test_it_filters_by_period_with_both_days_included(world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 1, 31, 23))
    inside = answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 2, 1, 0))
    last = answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 2, 28, 23))
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=utc(2026, 3, 1, 0))

    found = selectors.responses_filter(
        qs=all_of(world), date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)
    )

    assert set(found) == {inside, last}


def test_it_filters_by_location_touchpoint_survey_score_and_comment(world):
    csat_survey = make_survey(organization=world.org, kind="csat")
    commented = answer(survey=world.nps, touchpoint=world.checkout, score=3, comment=LINE_TO_REBOOK)
    silent = answer(survey=world.nps, touchpoint=world.checkout, score=9)
    airport = answer(survey=world.nps, touchpoint=world.other_checkout, score=8, comment=COLD_DRINKS)
    csat_answer = answer(survey=csat_survey, touchpoint=world.checkout, score=4)
    qs = all_of(world)

    assert set(selectors.responses_filter(qs=qs, location=world.other_store)) == {airport}
    assert set(selectors.responses_filter(qs=qs, touchpoint=world.checkout)) == {commented, silent, csat_answer}
    assert set(selectors.responses_filter(qs=qs, survey=csat_survey)) == {csat_answer}
    assert set(selectors.responses_filter(qs=qs, kind="nps", score_min=8, score_max=9)) == {silent, airport}
    assert set(selectors.responses_filter(qs=qs, has_comment=True)) == {commented, airport}
    assert set(selectors.responses_filter(qs=qs, has_comment=False)) == {silent, csat_answer}
    assert set(selectors.responses_filter(qs=qs, text="denver")) == {commented}


@pytest.mark.parametrize("role_user", ["employee", "manager", "viewer", "owner"])
def test_members_see_only_their_organization(world, role_user):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    mine = answer(survey=world.nps, touchpoint=world.checkout, score=10)
    membership = Membership.objects.get(user=getattr(world, role_user))
    assert list(selectors.responses_visible(membership=membership)) == [mine]


def test_an_employee_sees_only_their_locations_answers_and_metrics(world):
    mine = answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0)
    employee = Membership.objects.get(user=world.employee)
    manager = Membership.objects.get(user=world.manager)

    assert list(selectors.responses_visible(membership=employee)) == [mine]
    assert selectors.nps(selectors.responses_visible(membership=employee)).score == 100.0
    assert selectors.nps(selectors.responses_visible(membership=manager)).score == 0.0


def test_open_cases_are_scoped_and_grouped_by_holder(world):
    answer(survey=world.nps, touchpoint=world.checkout, score=1)  # the employee is responsible for Main Street
    answer(survey=world.nps, touchpoint=world.checkout, score=2)
    unassigned = answer(survey=world.nps, touchpoint=world.other_checkout, score=3).case
    unassigned.responsible = None
    unassigned.save()
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0)
    manager = Membership.objects.get(user=world.manager)
    employee = Membership.objects.get(user=world.employee)

    holders = selectors.cases_open_read(cases=selectors.cases_open(membership=manager)).holders

    assert [(h.user_id, h.open_count) for h in holders] == [(world.employee.pk, 2), (None, 1)]
    assert [h.name for h in holders] == [world.employee.username, ""]  # no first or last name: the username
    assert selectors.cases_open(membership=employee).count() == 2
    assert selectors.cases_open(membership=manager, location=world.other_store).count() == 1
