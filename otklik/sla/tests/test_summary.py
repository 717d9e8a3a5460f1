"""Unanswered complaints and the share answered within the SLA, on a known set of cases."""

from datetime import timedelta

from otklik.accounts.models import Membership
from otklik.cases.models import Case, Step
from otklik.cases.tests.samples import GATE, LUGGAGE, SEAT, SERVICE, WIFI
from otklik.sla.selectors import case_sla_state, sla_summary
from otklik.sla.tests.helpers import MONDAY_NOON, open_case

NOW = MONDAY_NOON + timedelta(days=10)


def answered(case: Case, after: timedelta) -> None:
    Case.objects.filter(pk=case.pk).update(step=Step.THANKED, thanked_at=case.created_at + after)


def known_set(world):
    """Five cases at the employee's store and one at the airport, each medium (24 h / 120 h) unless said."""
    in_time = open_case(world, created_at=NOW - timedelta(days=3), content=GATE)
    answered(in_time, timedelta(hours=2))
    late = open_case(world, created_at=NOW - timedelta(days=3), content=SEAT)
    answered(late, timedelta(hours=30))
    overdue = open_case(world, created_at=NOW - timedelta(hours=30), content=SERVICE)  # unanswered, past 24 h
    open_case(world, created_at=NOW - timedelta(hours=2), content=WIFI)  # unanswered, not yet due
    resolved = open_case(world, created_at=NOW - timedelta(days=9), content=LUGGAGE, severity="critical")
    answered(resolved, timedelta(hours=1))
    Case.objects.filter(pk=resolved.pk).update(
        step=Step.RESOLVED, resolved_at=resolved.created_at + timedelta(hours=30)
    )
    airport = Case.objects.create(
        organization=world.org, location=world.other_store, content=GATE, created_at=NOW - timedelta(days=2)
    )
    cases = {"in_time": in_time, "late": late, "overdue": overdue, "resolved": resolved, "airport": airport}
    return {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}


def test_a_manager_sees_the_whole_organization(world):
    known_set(world)
    summary = sla_summary(membership=Membership.objects.get(user=world.manager), now=NOW)
    assert summary.unanswered == 3  # overdue, not yet due, airport
    # answered in time: in_time, resolved; late: late; overdue unanswered: overdue, airport
    assert (summary.answered_in_time, summary.answered_or_overdue) == (2, 5)
    assert summary.answered_within_sla_share == 40
    # open and past a deadline: the overdue one and the airport one (first answer), none past 120 h
    assert summary.breaches_open == 2


def test_an_employee_sees_only_their_locations(world):
    known_set(world)
    summary = sla_summary(membership=Membership.objects.get(user=world.employee), now=NOW)
    assert summary.unanswered == 2
    assert (summary.answered_in_time, summary.answered_or_overdue, summary.breaches_open) == (2, 4, 1)
    assert summary.answered_within_sla_share == 50


def test_a_stranger_sees_nothing_of_it(world):
    known_set(world)
    summary = sla_summary(membership=Membership.objects.get(user=world.stranger), now=NOW)
    assert (summary.unanswered, summary.breaches_open, summary.answered_within_sla_share) == (0, 0, None)


def test_the_case_state_says_which_deadlines_were_kept(world):
    cases = known_set(world)
    late = case_sla_state(case=cases["late"], now=NOW)
    assert late.first_answer_breached and not late.resolution_breached
    assert late.first_answer_due == cases["late"].created_at + timedelta(hours=24)
    resolved = case_sla_state(case=cases["resolved"], now=NOW)  # critical: 2 h / 24 h, resolved after 30 h
    assert not resolved.first_answer_breached and resolved.resolution_breached
    waiting = case_sla_state(case=Case.objects.get(content=WIFI), now=NOW)
    assert not waiting.breached
