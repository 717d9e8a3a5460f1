"""SLA per severity AND customer segment: the segment's own policy wins; every other case keeps the default."""

from datetime import timedelta

import pytest
from django.urls import reverse

from otklik.accounts.models import Membership
from otklik.cases.models import Case, Step
from otklik.sla.models import Escalation, SlaPolicy
from otklik.sla.selectors import case_sla_state, sla_policy_for, sla_summary
from otklik.sla.services import sla_escalate_due, sla_segment_policy_save
from otklik.sla.tests.helpers import MONDAY_NOON, open_case
from otklik.testing.factories import make_customer


def at_risk_policy(world, *, severity: str = "medium", first: int = 2, resolution: int = 24) -> SlaPolicy:
    return sla_segment_policy_save(
        organization=world.org,
        segment="at_risk",
        severity=severity,
        first_answer_hours=first,
        resolution_hours=resolution,
    )


def test_the_most_specific_policy_applies(world):
    policy = at_risk_policy(world)
    at_risk = open_case(world, customer=make_customer(organization=world.org, segment="at_risk"))
    champion = open_case(world, customer=make_customer(organization=world.org, segment="champions"))
    anonymous = open_case(world)
    high_at_risk = open_case(world, severity="high", customer=make_customer(organization=world.org, segment="at_risk"))
    assert sla_policy_for(case=at_risk) == policy
    assert (sla_policy_for(case=champion).segment, sla_policy_for(case=champion).first_answer_hours) == ("", 24)
    assert sla_policy_for(case=anonymous).first_answer_hours == 24
    assert sla_policy_for(case=high_at_risk).first_answer_hours == 4  # no at_risk policy for "high"
    assert case_sla_state(case=at_risk, now=MONDAY_NOON).first_answer_due == MONDAY_NOON + timedelta(hours=2)


def test_escalation_follows_the_segments_policy(world):
    at_risk_policy(world)
    at_risk = open_case(world, customer=make_customer(organization=world.org, segment="at_risk"))
    open_case(world, customer=make_customer(organization=world.org, segment="champions"))
    assert sla_escalate_due(now=MONDAY_NOON + timedelta(hours=2, minutes=1)) == 1
    assert list(Escalation.objects.values_list("case", flat=True)) == [at_risk.pk]


def test_the_summary_counts_each_case_against_its_own_policy(world):
    at_risk_policy(world)
    now = MONDAY_NOON + timedelta(hours=25)
    at_risk = open_case(world, customer=make_customer(organization=world.org, segment="at_risk"))
    champion = open_case(world, customer=make_customer(organization=world.org, segment="champions"))
    anonymous = open_case(world)
    for case in (at_risk, champion, anonymous):  # each answered after 5 hours
        Case.objects.filter(pk=case.pk).update(step=Step.THANKED, thanked_at=case.created_at + timedelta(hours=5))
    summary = sla_summary(membership=Membership.objects.get(user=world.manager), now=now)
    # Late only for the at-risk customer (2 h); in time for the others (24 h), the anonymous one included.
    # Only the at-risk case is past its resolution deadline (24 h, not 120 h).
    assert (summary.answered_in_time, summary.answered_or_overdue) == (2, 3)
    assert summary.breaches_open == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"segment": ""}, "segment"),
        ({"segment": "at risk!"}, "segment"),
        ({"severity": "urgent"}, "severity"),
        ({"first_answer_hours": "0"}, "first_answer_hours"),
        ({"first_answer_hours": "10", "resolution_hours": "5"}, "resolution_hours"),
    ],
)
def test_the_page_rejects_a_bad_segment_policy(world, login, fields, field):
    data = {"segment": "at_risk", "severity": "high", "first_answer_hours": "1", "resolution_hours": "8"} | fields
    answer = login(world.manager).post(reverse("sla:segment_save"), data)
    assert answer.status_code == 400
    assert field in answer.context["segment_form"].errors
    assert not SlaPolicy.objects.exists()


def test_a_manager_adds_changes_and_removes_a_segment_policy_on_the_page(world, login):
    make_customer(organization=world.org, segment="champions")
    client = login(world.manager)
    assert '<option value="champions">' in client.get(reverse("sla:policies")).content.decode()
    data = {"segment": " At Risk ", "severity": "high", "first_answer_hours": "1", "resolution_hours": "8"}
    assert client.post(reverse("sla:segment_save"), data).status_code == 303
    assert client.post(reverse("sla:segment_save"), data | {"first_answer_hours": "2"}).status_code == 303
    policy = SlaPolicy.objects.get()
    assert (policy.segment, policy.severity, policy.first_answer_hours) == ("at_risk", "high", 2)
    page = client.get(reverse("sla:policies")).content.decode()
    assert f'id="sla-segment-{policy.pk}"' in page
    assert client.post(reverse("sla:segment_delete", args=[policy.pk])).status_code == 303
    assert not SlaPolicy.objects.exists()


def test_a_stranger_can_neither_see_nor_remove_a_segment_policy(world, login):
    policy = at_risk_policy(world)
    client = login(world.stranger)
    assert f"sla-segment-{policy.pk}" not in client.get(reverse("sla:policies")).content.decode()
    assert client.post(reverse("sla:segment_delete", args=[policy.pk])).status_code == 404
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


@pytest.mark.parametrize("role", ["employee", "viewer"])
def test_employees_and_viewers_cannot_set_segment_policies(world, login, role):
    policy = at_risk_policy(world)
    client = login(getattr(world, role))
    data = {"segment": "vip", "severity": "high", "first_answer_hours": "1", "resolution_hours": "8"}
    assert client.post(reverse("sla:segment_save"), data).status_code == 403
    assert client.post(reverse("sla:segment_delete", args=[policy.pk])).status_code == 403
    assert SlaPolicy.objects.count() == 1


def test_the_case_page_names_the_policy_it_is_held_to(world, login):
    at_risk_policy(world)
    case = open_case(world, customer=make_customer(organization=world.org, segment="at_risk"))
    page = login(world.employee).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "segment “At risk”" in page and "first answer within 2 h" in page  # the name, not the code


def test_held_cases_come_ordered_and_limited_by_the_database(world):
    """The most urgent twenty of many, by each case's own policy (a segment's, a severity's): the order the
    deadlines give when every case is loaded and sorted, read in one query."""
    from otklik.sla.selectors import cases_held_by_urgency, sla_policy_set

    at_risk_policy(world, severity="high", first=1, resolution=3)
    at_risk = make_customer(organization=world.org, segment="at_risk")
    for n in range(30):
        case = open_case(world, customer=at_risk if n % 4 == 0 else None)
        Case.objects.filter(pk=case.pk).update(
            severity=["critical", "high", "medium", "low"][n % 4],
            created_at=MONDAY_NOON - timedelta(hours=n * 7 % 50),
            thanked_at=MONDAY_NOON if n % 3 == 0 else None,
        )
    membership = Membership.objects.get(user=world.employee)
    now = MONDAY_NOON + timedelta(hours=1)
    policies = sla_policy_set(organization=world.org)
    every = []
    for case in Case.objects.filter(responsible=world.employee).exclude(step=Step.RESOLVED):
        state = case_sla_state(case=case, now=now, policy=policies.for_case(case))
        every.append((state.first_answer_due if case.thanked_at is None else state.resolution_due, case.pk))

    held = cases_held_by_urgency(membership=membership, now=now)

    assert [(item.due, item.case.pk) for item in held] == sorted(every)[:20]
