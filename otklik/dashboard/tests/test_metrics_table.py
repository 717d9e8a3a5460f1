"""The D5 metrics table: every metric by each breakdown, on the real database, scoped to the member."""

import datetime
import zoneinfo

import pytest

from otklik.accounts.models import Membership
from otklik.dashboard import metrics
from otklik.dashboard.tests.helpers import LINE_TO_REBOOK, NEEDS_PILLOWS, answer, utc
from otklik.dashboard.tests.metrics_helpers import (
    answer_from,
    bulk_answers,
    make_invitation,
    make_purchase,
    set_case_times,
)
from otklik.improvements.models import RecoveryFollowUp
from otklik.intake.answers import answer_receive
from otklik.surveys.services import AnswerInput
from otklik.testing.factories import make_customer, make_product, make_survey, make_touchpoint, make_user

NOW = utc(2026, 6, 1)


def scope_of(world, user=None, **kwargs) -> metrics.Scope:
    membership = Membership.objects.get(user=user or world.manager, organization=world.org)
    return metrics.Scope(membership=membership, **kwargs)


def by_label(table: metrics.MetricsTable) -> dict[str, metrics.MetricsRow]:
    return {row.label: row for row in table.rows}


def test_it_gives_nps_with_its_interval_per_touchpoint_and_in_total(world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 5 + [8] * 3 + [3] * 2, at=utc(2026, 1, 5))
    answer(survey=world.nps, touchpoint=world.other_checkout, score=9, at=utc(2026, 1, 6))

    table = metrics.metrics_table(scope=scope_of(world), by="touchpoint", now=NOW)

    main = by_label(table)["Main Street · Checkout"]
    # 5/3/2 of 10: NPS 30, variance 0.5 + 0.2 - 0.09 = 0.61, margin 1.96 × 100 × √0.061 = 48.4
    assert main.nps_counts == (5, 3, 2)
    assert main.nps.value == 30.0
    assert main.nps.low == pytest.approx(-18.41, abs=1e-2) and main.nps.high == pytest.approx(78.41, abs=1e-2)
    assert [row.label for row in table.rows] == ["Airport · Checkout", "Main Street · Checkout"]
    assert table.total.nps_counts == (6, 3, 2) and table.total.answers == 11


def test_it_computes_csat_ces_and_readiness_to_complain(world):
    csat = make_survey(organization=world.org, kind="csat")
    ces = make_survey(organization=world.org, kind="ces")
    readiness = make_survey(organization=world.org, kind="readiness")
    for score in [5, 4, 4, 1]:
        answer(survey=csat, touchpoint=world.checkout, score=score)
    for score in [1, 2, 3]:
        answer(survey=ces, touchpoint=world.checkout, score=score)
    for score in [1, 1, 1, 0]:
        answer(survey=readiness, touchpoint=world.checkout, score=score)

    total = metrics.metrics_total(scope=scope_of(world), now=NOW)

    assert (total.csat.value, total.csat.count) == (75.0, 4)
    assert total.ces.value == 2.0 and total.ces.low == pytest.approx(0.8684, abs=1e-4)
    assert (total.readiness.value, total.readiness.count) == (75.0, 4)
    assert total.nps is None


def test_the_employee_is_the_owner_of_the_qr_code_or_else_the_seller(world):
    olga = make_user(organization=world.org, username="olga_s", locations=[world.store])
    olga.first_name, olga.last_name = "Olga", "Smirnova"
    olga.save()
    ivan = make_user(organization=world.org, username="ivan", locations=[world.store])
    olga_qr = make_touchpoint(location=world.store, name="Olga's badge", kind="employee")
    olga_qr.employee = olga
    olga_qr.save()
    customer = make_customer(organization=world.org)
    kettle = make_product(organization=world.org, name="Kettle")
    sold_by_ivan = make_purchase(customer=customer, product=kettle, employee=ivan)
    answer(survey=world.nps, touchpoint=olga_qr, score=10)
    answer(survey=world.nps, touchpoint=olga_qr, score=9)
    answer_from(survey=world.nps, touchpoint=world.checkout, score=7, customer=customer, purchase=sold_by_ivan)
    answer(survey=world.nps, touchpoint=world.checkout, score=8)

    rows = by_label(metrics.metrics_table(scope=scope_of(world), by="employee", now=NOW))

    assert rows["Olga Smirnova"].nps_counts == (2, 0, 0)
    assert rows["ivan"].nps_counts == (0, 1, 0)
    assert rows["No employee known"].nps_counts == (0, 1, 0)
    assert list(rows)[-1] == "No employee known"


def test_it_breaks_down_by_segment_and_product(world):
    loyal = make_customer(organization=world.org, segment="champions")
    at_risk = make_customer(organization=world.org, segment="at_risk")
    kettle = make_product(organization=world.org, name="Kettle")
    toaster = make_product(organization=world.org, name="Toaster")
    kettle_bought = make_purchase(customer=loyal, product=kettle)
    toaster_bought = make_purchase(customer=at_risk, product=toaster)
    answer_from(survey=world.nps, touchpoint=world.checkout, score=10, customer=loyal, purchase=kettle_bought)
    answer_from(survey=world.nps, touchpoint=world.checkout, score=2, customer=at_risk, purchase=toaster_bought)
    answer(survey=world.nps, touchpoint=world.checkout, score=9)

    segments = by_label(metrics.metrics_table(scope=scope_of(world), by="segment", now=NOW))
    products = by_label(metrics.metrics_table(scope=scope_of(world), by="product", now=NOW))

    assert {label: row.nps.value for label, row in segments.items()} == {
        "at_risk": -100.0,
        "champions": 100.0,
        "No segment": 100.0,
    }
    assert {label: row.nps.value for label, row in products.items()} == {
        "Kettle": 100.0,
        "Toaster": -100.0,
        "No product": 100.0,
    }
    assert products["Toaster"].cases == 1


def test_monthly_rows_say_whether_the_change_is_significant_or_could_be_noise(world):
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 50 + [8] * 30 + [2] * 20, at=utc(2026, 1, 15)
    )
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 30 + [8] * 30 + [2] * 40, at=utc(2026, 2, 15)
    )
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 2 + [8] * 2 + [2], at=utc(2026, 3, 15))

    first_quarter = scope_of(world, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31))
    rows = metrics.metrics_table(scope=first_quarter, by="month", now=NOW).rows

    assert [row.key for row in rows] == [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        datetime.date(2026, 3, 1),
    ]
    assert [row.label for row in rows] == ["January 2026", "February 2026", "March 2026"]
    assert rows[0].nps_change is None
    # January 30 → February -10: z = -3.405 (see test_stats), p = 0.00066.
    assert rows[1].nps_change.change == pytest.approx(-40.0)
    assert rows[1].nps_change.significant
    # February -10 → March 20 on five answers: not enough to tell.
    assert rows[2].nps_change.change == pytest.approx(30.0)
    assert not rows[2].nps_change.significant


def test_weeks_start_on_monday_in_the_organizations_time_zone(world):
    world.org.time_zone = "Europe/Moscow"
    world.org.save()
    # Sunday 22:30 UTC is already Monday 1:30 in Moscow.
    sunday_night = datetime.datetime(2026, 3, 8, 22, 30, tzinfo=datetime.UTC)
    answer(survey=world.nps, touchpoint=world.checkout, score=10, at=sunday_night)
    answer(survey=world.nps, touchpoint=world.checkout, score=0, at=sunday_night - datetime.timedelta(hours=2))
    scope = scope_of(world, tz=zoneinfo.ZoneInfo("Europe/Moscow"), date_to=datetime.date(2026, 3, 31))
    rows = metrics.metrics_table(scope=scope, by="week", now=NOW).rows

    assert [(row.key, row.nps.value) for row in rows] == [
        (datetime.date(2026, 3, 2), -100.0),
        (datetime.date(2026, 3, 9), 100.0),
    ]


def test_response_rate_is_answered_invitations_over_invitations_sent(world):
    for answered in [True, True, True, False]:
        make_invitation(survey=world.nps, touchpoint=world.checkout, at=utc(2026, 1, 3), answered=answered)
    make_invitation(survey=world.nps, touchpoint=world.other_checkout, at=utc(2026, 1, 3))
    make_invitation(survey=world.nps, touchpoint=world.checkout, at=utc(2026, 2, 3), answered=True)

    january = scope_of(world, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31))
    rows = by_label(metrics.metrics_table(scope=january, by="location", now=NOW))

    assert (rows["Main Street"].invitations, rows["Main Street"].invitations_answered) == (4, 3)
    assert rows["Main Street"].response_rate.value == 75.0
    assert rows["Airport"].response_rate.value == 0.0
    assert metrics.metrics_total(scope=january, now=NOW).response_rate.value == 60.0


def test_it_measures_time_to_first_answer_and_to_resolution(world):
    start = utc(2026, 5, 1)
    timings = [(1, 10), (2, 20), (3, 30), (30, None), (None, None)]
    for thanked, resolved in timings:
        response = answer(survey=world.nps, touchpoint=world.checkout, score=1, comment=LINE_TO_REBOOK)
        set_case_times(response, created_at=start, thanked_after_h=thanked, resolved_after_h=resolved)

    total = metrics.metrics_total(scope=scope_of(world), now=NOW)

    assert (total.cases, total.cases_answered) == (5, 4)
    assert total.answered_share == 80.0
    # Medium severity: first answer within 24 h. Answered in time: 3; late: 1; unanswered and overdue: 1.
    assert total.answered_in_sla_share == 60.0
    # First answers 1, 2, 3, 30 h: median 2.5, p90 = 3 + 0.7 × 27 = 21.9
    assert total.first_answer_median_h == 2.5
    assert total.first_answer_p90_h == pytest.approx(21.9)
    # Resolutions 10, 20, 30 h: median 20, p90 28
    assert (total.resolution_median_h, total.resolution_p90_h) == (20, pytest.approx(28))


def test_loyalty_after_recovery_counts_better_second_answers(world):
    for before, after in [(2, 9), (5, 4), (3, None)]:
        response = answer(survey=world.nps, touchpoint=world.checkout, score=before, comment=NEEDS_PILLOWS)
        case = set_case_times(response, created_at=utc(2026, 5, 1), thanked_after_h=1, resolved_after_h=5)
        invitation = make_invitation(survey=world.nps, touchpoint=world.checkout, at=utc(2026, 5, 10))
        RecoveryFollowUp.objects.create(case=case, due_at=utc(2026, 5, 10), invitation=invitation)
        if after is not None:
            answer_receive(
                survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=after), invitation=invitation
            )

    total = metrics.metrics_total(scope=scope_of(world, date_to=datetime.date(2026, 5, 5)), now=NOW)

    assert (total.recovery_answered, total.recovery_improved) == (2, 1)
    assert total.recovery_improved_share == 50.0


def test_an_employee_sees_only_their_locations(world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0)
    make_invitation(survey=world.nps, touchpoint=world.other_checkout, at=utc(2026, 1, 3))

    table = metrics.metrics_table(scope=scope_of(world, user=world.employee), by="location", now=NOW)

    assert [row.label for row in table.rows] == ["Main Street"]
    assert table.total.invitations == 0 and table.total.cases == 0


def test_a_strangers_figures_never_count(world):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    make_invitation(survey=world.stranger_nps, touchpoint=world.stranger_checkout, at=utc(2026, 1, 3))

    for by in metrics.BREAKDOWNS:
        table = metrics.metrics_table(scope=scope_of(world), by=by, now=NOW)
        assert table.rows == []
        assert (table.total.answers, table.total.invitations, table.total.cases) == (0, 0, 0)


def test_it_compares_nps_of_two_periods(world):
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 50 + [8] * 30 + [2] * 20, at=utc(2026, 1, 15)
    )
    bulk_answers(
        survey=world.nps, touchpoint=world.checkout, scores=[10] * 30 + [8] * 30 + [2] * 40, at=utc(2026, 2, 15)
    )
    a_from, a_to = metrics.previous_period(date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28))

    result = metrics.nps_compare(
        a=scope_of(world, date_from=a_from, date_to=a_to),
        b=scope_of(world, date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)),
        label_a="before",
        label_b="after",
    )

    assert (a_from, a_to) == (datetime.date(2026, 1, 4), datetime.date(2026, 1, 31))
    assert (result.a.value, result.b.value) == (30.0, -10.0)
    assert result.difference.significant and result.difference.p_value == pytest.approx(0.00066, abs=1e-5)


def test_previous_period_has_the_same_length():
    assert metrics.previous_period(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31)) == (
        datetime.date(2026, 1, 29),
        datetime.date(2026, 2, 28),
    )


def test_an_unknown_breakdown_is_refused(world):
    with pytest.raises(ValueError):
        metrics.metrics_table(scope=scope_of(world), by="horoscope")


@pytest.mark.parametrize("by", list(metrics.BREAKDOWNS))
def test_the_tables_total_is_the_total_read_on_its_own(world, by):
    """The table's total row adds its groups' answer, invitation and follow-up figures (ADR 0042): the same row
    as `metrics_total`, which reads them, for every breakdown — answers of every kind, with customers, products,
    invitations, cases and a recovery follow-up."""
    seller = make_user(organization=world.org, username="seller_t", locations=[world.store])
    customer = make_customer(organization=world.org)
    customer.segment = "champions"
    customer.save()
    kettle = make_product(organization=world.org, name="Kettle")
    sold = make_purchase(customer=customer, product=kettle, employee=seller)
    for score in (2, 9, 10, 7):
        answer(survey=world.nps, touchpoint=world.checkout, score=score)
    answer_from(survey=world.nps, touchpoint=world.other_checkout, score=6, customer=customer, purchase=sold)
    response = answer(survey=world.nps, touchpoint=world.checkout, score=3, comment=NEEDS_PILLOWS)
    case = set_case_times(response, created_at=utc(2026, 5, 1), thanked_after_h=1, resolved_after_h=5)
    invitation = make_invitation(survey=world.nps, touchpoint=world.checkout, at=utc(2026, 5, 10))
    RecoveryFollowUp.objects.create(case=case, due_at=utc(2026, 5, 10), invitation=invitation)
    answer_receive(survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=9), invitation=invitation)
    make_invitation(survey=world.nps, touchpoint=world.other_checkout, at=utc(2026, 5, 11))
    from otklik.rollups.services import rollups_reconcile

    rollups_reconcile(organization=world.org)
    scope = scope_of(world, user=world.owner)

    table = metrics.metrics_table(scope=scope, by=by, now=NOW)

    assert table.total == metrics.metrics_total(scope=scope, now=NOW)
    assert table.total.answers == 7 and table.total.invitations == 2 and table.total.recovery_answered == 1
