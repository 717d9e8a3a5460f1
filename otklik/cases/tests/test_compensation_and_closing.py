"""Compensation within each role's limit (F3), and closing only with a cause and an action taken (C2)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from otklik.cases import services
from otklik.cases.compensation import compensation_limit_set
from otklik.cases.models import Case, Step
from otklik.cases.tests import samples
from otklik.testing.factories import make_response


def thanked_case(world) -> Case:
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=samples.LUGGAGE).case
    return services.case_thank(case=case, by=world.employee, via="phone")


def fixed_case(world) -> Case:
    case = thanked_case(world)
    services.case_apologize(case=case, by=world.employee, apology="We are sorry about the wheel.")
    services.case_promise(
        case=case, by=world.employee, fix_promise="Check the belt", planned_fix_date=datetime.date(2030, 1, 1)
    )
    return services.case_fix(case=case, by=world.employee, fix_description="The belt edge is padded now.")


def apologize(case, by, amount):
    return services.case_apologize(
        case=case, by=by, apology="Sorry.", compensation_kind="amount", compensation_amount=Decimal(amount)
    )


def test_an_employee_grants_an_amount_within_their_limit(world):
    case = apologize(thanked_case(world), world.employee, "1000")
    assert (case.step, case.compensation_kind, case.compensation_amount) == (Step.APOLOGIZED, "amount", 1000)


def test_an_employee_cannot_grant_more_than_their_limit(world):
    case = thanked_case(world)
    with pytest.raises(services.CaseStepError, match="at most 1000"):
        apologize(case, world.employee, "1000.01")
    case.refresh_from_db()
    assert case.step == Step.THANKED and case.compensation_amount is None


def test_a_manager_has_a_higher_limit_and_the_owner_none(world):
    with pytest.raises(services.CaseStepError):
        apologize(thanked_case(world), world.manager, "10001")
    assert apologize(thanked_case(world), world.manager, "10000").compensation_amount == 10000
    assert apologize(thanked_case(world), world.owner, "250000").compensation_amount == 250000


def test_the_limit_is_the_organizations_own(world):
    compensation_limit_set(organization=world.org, role="employee", max_amount=Decimal("50"))
    with pytest.raises(services.CaseStepError, match="at most 50"):
        apologize(thanked_case(world), world.employee, "60")
    compensation_limit_set(organization=world.other_org, role="employee", max_amount=Decimal("5000"))
    with pytest.raises(services.CaseStepError):
        apologize(thanked_case(world), world.employee, "60")


def test_a_coupon_needs_its_code(world):
    case = thanked_case(world)
    with pytest.raises(services.CaseStepError, match="coupon code"):
        services.case_apologize(case=case, by=world.employee, apology="Sorry.", compensation_kind="coupon")
    case = services.case_apologize(
        case=case, by=world.employee, apology="Sorry.", compensation_kind="coupon", compensation_code="BAG-2025"
    )
    assert case.compensation_code == "BAG-2025"


def test_the_case_page_refuses_an_amount_over_the_limit_with_the_reason(world, login):
    case = thanked_case(world)
    answer = login(world.employee).post(
        reverse("cases:apologize", args=[case.pk]),
        {"apology": "Sorry.", "compensation_kind": "amount", "compensation_amount": "5000"},
    )
    assert answer.status_code == 400
    assert "ask a manager" in answer.content.decode()
    case.refresh_from_db()
    assert case.step == Step.THANKED


@pytest.mark.parametrize(
    ("cause", "action_taken", "message"),
    [("", "Padded the belt edge.", "cause"), ("A sharp belt edge.", "  ", "action taken")],
)
def test_closing_requires_a_cause_and_an_action_taken(world, cause, action_taken, message):
    case = fixed_case(world)
    with pytest.raises(services.CaseStepError, match=message):
        services.case_report(case=case, by=world.employee, via="email", cause=cause, action_taken=action_taken)
    case.refresh_from_db()
    assert case.step == Step.FIXED


def test_closing_stores_the_cause_and_the_action_and_shows_them(world, login):
    case = fixed_case(world)
    client = login(world.employee)
    answer = client.post(
        reverse("cases:report", args=[case.pk]),
        {"via": "phone", "cause": "A sharp belt edge.", "action_taken": "Padded the belt edge."},
    )
    assert answer.status_code == 303
    case.refresh_from_db()
    assert (case.step, case.cause, case.action_taken) == (Step.RESOLVED, "A sharp belt edge.", "Padded the belt edge.")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-cause"' in page and "Padded the belt edge." in page


def test_an_honest_cannot_fix_also_needs_a_cause_and_an_action(world):
    case = thanked_case(world)
    services.case_apologize(case=case, by=world.employee, apology="Sorry.")
    services.case_promise(
        case=case,
        by=world.employee,
        fix_promise="Wifi pricing is the provider's.",
        planned_fix_date=None,
        cannot_fix=True,
    )
    with pytest.raises(services.CaseStepError):
        services.case_report(case=case, by=world.employee, via="email")
    case = services.case_report(
        case=case,
        by=world.employee,
        via="email",
        cause="The provider sets the price.",
        action_taken="Explained it honestly and passed the request to the provider.",
    )
    assert case.step == Step.RESOLVED
