"""`/` reads its open cases once: who holds them, how many, and the SLA card's open figures in one statement
(decision 0057), with the figures of the separate reads and of the cases themselves."""

from datetime import timedelta

import pytest

from otklik.accounts.models import Membership
from otklik.cases.models import Case, Step
from otklik.cases.tests.samples import WIFI
from otklik.dashboard import selectors
from otklik.rollups.services import rollups_reconcile
from otklik.sla.selectors import case_sla_state, sla_open_aggregates, sla_policy_set, sla_summary
from otklik.sla.services import sla_segment_policy_save
from otklik.sla.tests.test_summary import NOW, known_set
from otklik.testing.factories import make_customer

WHO = ["manager", "employee", "stranger"]
WHERE = [None, "store", "other_store"]


@pytest.fixture
def cases(world):
    known = known_set(world)
    # Open cases of three holders: the employee (her store's), nobody (the airport) and the manager, whose case at
    # the airport is overdue for its first answer and its resolution (critical: 2 h / 24 h).
    held = Case.objects.create(
        organization=world.org,
        location=world.other_store,
        content=WIFI,
        severity="critical",
        responsible=world.manager,
        created_at=NOW - timedelta(days=5),
    )
    return {**known, "held": held}


def _from_the_cases(open_cases) -> dict:
    """The open figures and holders computed in Python, case by case, from `case_sla_state`."""
    holders: dict = {}
    figures = {"unanswered": 0, "first_overdue": 0, "breached_open": 0}
    for case in open_cases:
        state = case_sla_state(case=case, now=NOW)
        unanswered = case.thanked_at is None
        figures["unanswered"] += unanswered
        figures["first_overdue"] += unanswered and state.first_answer_breached
        figures["breached_open"] += (unanswered and state.first_answer_breached) or state.resolution_breached
        count, oldest = holders.get(case.responsible_id, (0, case.created_at))
        holders[case.responsible_id] = (count + 1, min(oldest, case.created_at))
    return {"figures": figures, "holders": holders}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("where", WHERE)
def test_one_read_gives_the_figures_of_the_cases_and_of_the_sla_cards_own_read(world, cases, who, where):
    rollups_reconcile(organization=world.org)  # the SLA card's answered counts from the rollups: its open ones given
    membership = Membership.objects.get(user=getattr(world, who))
    location = getattr(world, where) if where else None
    policies = sla_policy_set(organization=world.org)
    open_cases = selectors.cases_open(membership=membership, location=location)

    read = selectors.cases_open_read(cases=open_cases, figures=sla_open_aggregates(policies=policies, now=NOW))

    expected = _from_the_cases(open_cases.select_related("organization"))
    assert read.figures == expected["figures"]
    assert {h.user_id: (h.open_count, h.oldest_created_at) for h in read.holders} == expected["holders"]
    assert read.count == open_cases.count()
    given = sla_summary(membership=membership, now=NOW, location=location, policies=policies, open_figures=read.figures)
    assert given == sla_summary(membership=membership, now=NOW, location=location)


def test_the_figures_are_the_holders_added_up(world, cases):
    # Not a vacuous comparison: every holder row carries some of the figures.
    rollups_reconcile(organization=world.org)
    manager = Membership.objects.get(user=world.manager)
    policies = sla_policy_set(organization=world.org)

    read = selectors.cases_open_read(
        cases=selectors.cases_open(membership=manager), figures=sla_open_aggregates(policies=policies, now=NOW)
    )

    assert [(h.user_id, h.open_count) for h in read.holders] == [
        (world.employee.pk, 4),
        (world.manager.pk, 1),  # the same count as nobody's: the oldest case first
        (None, 1),
    ]
    # unanswered: two of the employee's, the airport's, the manager's; past the first answer: one of hers, the
    # airport's, the manager's; past a deadline: the same three (none of hers past 120 h).
    assert read.figures == {"unanswered": 4, "first_overdue": 3, "breached_open": 3}
    assert read.count == 6


@pytest.mark.parametrize("where", [None, "other_store"])
def test_the_overviews_sla_card_shows_the_sla_figures(world, cases, login, where):
    rollups_reconcile(organization=world.org)
    location = getattr(world, where) if where else None
    manager = Membership.objects.get(user=world.manager)
    query = f"?location={location.pk}" if location else ""

    response = login(world.manager).get(f"/{query}")

    # Every deadline of the known set is long past at the real time of the request, so `now` cannot split them.
    shown = response.context["sla_summary"]
    assert shown == sla_summary(membership=manager, location=location)
    assert shown.unanswered == (4 if location is None else 2)
    html = response.content.decode()
    assert f'<div id="sla-unanswered"><span class="big">{shown.unanswered}</span>' in html
    assert response.context["open_case_count"] == (6 if location is None else 2)


def test_a_case_resolved_leaves_every_figure(world, cases):
    rollups_reconcile(organization=world.org)
    Case.objects.filter(pk=cases["held"].pk).update(step=Step.RESOLVED, resolved_at=NOW)
    manager = Membership.objects.get(user=world.manager)
    policies = sla_policy_set(organization=world.org)

    read = selectors.cases_open_read(
        cases=selectors.cases_open(membership=manager), figures=sla_open_aggregates(policies=policies, now=NOW)
    )

    assert world.manager.pk not in [h.user_id for h in read.holders]
    assert read.figures == {"unanswered": 3, "first_overdue": 2, "breached_open": 2}


def test_with_a_segment_policy_the_sla_card_counts_from_the_cases(world, cases, login):
    rollups_reconcile(organization=world.org)
    sla_segment_policy_save(
        organization=world.org, severity="medium", segment="at_risk", first_answer_hours=1, resolution_hours=5
    )
    Case.objects.filter(pk=cases["airport"].pk).update(
        customer=make_customer(organization=world.org, segment="at_risk")
    )
    manager = Membership.objects.get(user=world.manager)

    response = login(world.manager).get("/")

    assert response.context["sla_summary"] == sla_summary(membership=manager)
    assert response.context["open_case_count"] == 6
