"""The case list: filters, scoping, pagination."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from otklik.accounts.selectors import membership_for
from otklik.cases.models import Case, Severity, Step
from otklik.cases.selectors import case_get, cases_visible, open_cases_summary
from otklik.cases.tests import samples
from otklik.intake.complaints import complaint_open

LIST = reverse("cases:list")


def open_case(location, content, **fields) -> Case:
    return complaint_open(location=location, content=content, notify=False, **fields)


def numbers(page) -> set[int]:
    return {case.pk for case in page.context["page"].object_list}


def test_it_lists_open_cases_by_default(world, login):
    open_one = open_case(world.store, samples.SEAT, customer_name="Pat")
    closed = open_case(world.store, samples.WIFI)
    Case.objects.filter(pk=closed.pk).update(step=Step.RESOLVED)
    page = login(world.manager).get(LIST)
    assert page.status_code == 200
    assert numbers(page) == {open_one.pk}
    html = page.content.decode()
    assert "Pat" in html and "Main Street" in html and "I am in seat 4C" in html
    assert numbers(login(world.manager).get(LIST, {"status": "resolved"})) == {closed.pk}
    assert numbers(login(world.manager).get(LIST, {"status": "all"})) == {open_one.pk, closed.pk}


def test_it_shows_the_age_in_days(world, login):
    open_case(world.store, samples.SEAT, created_at=timezone.now() - timedelta(days=3, hours=2))
    # timesince joins the number and unit with a non-breaking space.
    assert "3\xa0days" in login(world.manager).get(LIST).content.decode()


def test_it_filters_by_step_location_severity_and_mine(world, login):
    thanked = open_case(world.store, samples.SEAT)
    Case.objects.filter(pk=thanked.pk).update(step=Step.THANKED)
    airport = open_case(world.other_store, samples.LUGGAGE, severity=Severity.CRITICAL)
    client = login(world.manager)
    assert numbers(client.get(LIST, {"step": Step.THANKED})) == {thanked.pk}
    assert numbers(client.get(LIST, {"location": world.other_store.pk})) == {airport.pk}
    assert numbers(client.get(LIST, {"severity": Severity.CRITICAL})) == {airport.pk}
    # Main Street's case went to emma; Airport has no responsible, so it fell back to a manager or owner.
    assert numbers(login(world.employee).get(LIST, {"responsible": "mine"})) == {thanked.pk}


def test_it_ignores_a_filter_it_does_not_understand(world, login):
    case = open_case(world.store, samples.SEAT)
    page = login(world.manager).get(LIST, {"location": "999999", "severity": "apocalyptic"})
    assert page.status_code == 200
    assert numbers(page) == {case.pk}


def test_an_employee_sees_only_her_locations_cases(world, login):
    own = open_case(world.store, samples.SEAT)
    open_case(world.other_store, samples.LUGGAGE)
    page = login(world.employee).get(LIST, {"status": "all"})
    assert numbers(page) == {own.pk}
    # She cannot even pick another location in the filter.
    assert numbers(login(world.employee).get(LIST, {"location": world.other_store.pk})) == {own.pk}


def test_a_stranger_sees_none_of_the_organizations_cases(world, login):
    open_case(world.store, samples.SEAT)
    mine = open_case(world.stranger_store, samples.SERVICE)
    assert numbers(login(world.stranger).get(LIST, {"status": "all"})) == {mine.pk}


def test_it_paginates_by_fifty_and_keeps_the_filters(world, login):
    for _ in range(51):
        open_case(world.store, samples.GATE, severity=Severity.HIGH)
    open_case(world.store, samples.SEAT, severity=Severity.LOW)
    client = login(world.manager)
    first = client.get(LIST, {"severity": Severity.HIGH})
    assert len(first.context["page"].object_list) == 50
    html = first.content.decode()
    assert "?severity=high&amp;page=2" in html
    second = client.get(LIST, {"severity": Severity.HIGH, "page": 2})
    assert len(second.context["page"].object_list) == 1
    assert "?severity=high&amp;page=1" in second.content.decode()


def test_the_selectors_scope_by_membership(world):
    own = open_case(world.store, samples.SEAT)
    other = open_case(world.other_store, samples.LUGGAGE)
    employee = membership_for(user=world.employee)
    manager = membership_for(user=world.manager)
    assert set(cases_visible(membership=manager)) == {own, other}
    assert set(cases_visible(membership=employee)) == {own}
    assert case_get(membership=employee, case_id=own.pk) == own
    stranger = membership_for(user=world.stranger)
    for membership, case in [(employee, other), (stranger, own)]:
        with pytest.raises(Http404):
            case_get(membership=membership, case_id=case.pk)


def test_open_cases_summary_counts_holders_and_the_oldest(world):
    now = timezone.now()
    old = open_case(world.store, samples.SEAT, created_at=now - timedelta(days=5))
    open_case(world.store, samples.GATE, created_at=now - timedelta(days=1))
    airport = open_case(world.other_store, samples.LUGGAGE, created_at=now - timedelta(days=2))
    Case.objects.filter(pk=airport.pk).update(responsible=None)
    done = open_case(world.store, samples.WIFI, created_at=now - timedelta(days=30))
    Case.objects.filter(pk=done.pk).update(step=Step.RESOLVED)

    summary = open_cases_summary(membership=membership_for(user=world.manager))
    assert summary.count == 3
    assert [(holder.responsible, holder.count) for holder in summary.by_holder] == [(world.employee, 2), (None, 1)]
    assert summary.oldest == old
    assert timedelta(days=5) <= summary.oldest_age < timedelta(days=5, minutes=1)

    mine = open_cases_summary(membership=membership_for(user=world.employee))
    assert mine.count == 2


def test_open_cases_summary_is_empty_without_open_cases(world):
    summary = open_cases_summary(membership=membership_for(user=world.manager))
    assert (summary.count, summary.by_holder, summary.oldest, summary.oldest_age) == (0, [], None, None)
