"""The SLA card's all-time counts come from the case rollups, with the figures the cases give (docs 0037)."""

from datetime import timedelta

import pytest

from otklik.accounts.models import Membership
from otklik.cases.models import Case, Step
from otklik.cases.tests.samples import SEAT
from otklik.rollups.services import rollups_reconcile
from otklik.sla.selectors import sla_summary
from otklik.sla.services import sla_segment_policy_save
from otklik.sla.tests.test_summary import NOW, known_set
from otklik.testing.factories import make_customer


def _summaries(world) -> dict:
    manager = Membership.objects.get(user=world.manager)
    employee = Membership.objects.get(user=world.employee)
    return {
        "manager": sla_summary(membership=manager, now=NOW),
        "employee": sla_summary(membership=employee, now=NOW),
        "manager at the airport": sla_summary(membership=manager, now=NOW, location=world.other_store),
        "employee at the airport": sla_summary(membership=employee, now=NOW, location=world.other_store),
        "stranger": sla_summary(membership=Membership.objects.get(user=world.stranger), now=NOW),
    }


@pytest.fixture
def cases(world):
    known = known_set(world)
    # At the airport (not the employee's location) but held by her: she sees it through `responsible`.
    held = Case.objects.create(
        organization=world.org,
        location=world.other_store,
        content=SEAT,
        severity="high",
        responsible=world.employee,
        created_at=NOW - timedelta(days=4),
        thanked_at=NOW - timedelta(days=4) + timedelta(hours=3),
        step=Step.RESOLVED,
        resolved_at=NOW - timedelta(days=3),
    )
    return {**known, "held": held}


def test_the_rollups_give_the_cases_own_figures(world, cases):
    raw = _summaries(world)  # not reconciled: counted from the cases

    rollups_reconcile(organization=world.org)
    # Resolved cases unanswered behind the rollups' back: only a read of the rollups still counts them.
    assert Case.objects.filter(step=Step.RESOLVED).update(thanked_at=None) == 2

    assert _summaries(world) == raw
    assert raw["employee"].answered_in_time == 3 and raw["manager at the airport"].answered_in_time == 1


def test_statement_counts_on_the_rollups(world, cases, django_assert_num_queries):
    rollups_reconcile(organization=world.org)
    manager = Membership.objects.get(user=world.manager)
    # The organization, its policies (severity, segment), case rollups ready, their sums, the open cases: none
    # over every case.
    with django_assert_num_queries(6):
        sla_summary(membership=manager, now=NOW)


def test_a_segment_policy_counts_from_the_cases(world, cases):
    rollups_reconcile(organization=world.org)
    sla_segment_policy_save(
        organization=world.org, severity="medium", segment="at_risk", first_answer_hours=1, resolution_hours=5
    )
    Case.objects.filter(pk=cases["late"].pk).update(customer=make_customer(organization=world.org, segment="at_risk"))
    rollups_reconcile(organization=world.org)  # the rollups are current, but judge by the severity alone
    assert Case.objects.filter(step=Step.RESOLVED).update(thanked_at=None) == 2

    summary = sla_summary(membership=Membership.objects.get(user=world.manager), now=NOW)

    assert summary.answered_in_time == 1  # the cases as they are now: the in-time one alone
