"""Rule conditions on who the customer is: their RFM segment and the tags a manager put on them."""

import pytest

from otklik.cases.models import Case
from otklik.intake.answers import answer_rules_run
from otklik.intake.complaints import complaint_open, complaint_open_for_answer
from otklik.rules.models import RuleRun, Trigger
from otklik.rules.tests.helpers import default_rule, make_rule
from otklik.rules.tests.samples import SEAT, SERVICE
from otklik.testing.factories import make_customer, make_response


def answer_from(world, customer, *, score: int = 8, comment: str = SEAT):
    """An answer the customer base recognised (as the card matching does), then run through the rules."""
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=score, comment=comment)
    response.customer = customer
    response.save(update_fields=["customer"])
    answer_rules_run(response=response)
    return response


@pytest.mark.parametrize(
    ("rule_segments", "customer_segment", "matches"),
    [("at_risk", "at_risk", True), ("champions, at_risk", "at_risk", True), ("champions", "at_risk", False)],
)
def test_a_segment_rule_matches_customers_of_any_of_its_segments(world, rule_segments, customer_segment, matches):
    rule = make_rule(organization=world.org, segment=rule_segments, open_case=True)
    response = answer_from(world, make_customer(organization=world.org, segment=customer_segment))
    assert RuleRun.objects.filter(rule=rule, response=response).exists() == matches
    assert Case.objects.filter(response=response).exists() == matches


def test_a_segment_rule_ignores_anonymous_answers(world):
    rule = make_rule(organization=world.org, segment="at_risk", open_case=True)
    make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=SEAT)
    assert not RuleRun.objects.filter(rule=rule).exists()


def test_a_tag_rule_matches_a_customer_with_any_of_its_tags(world):
    rule = make_rule(organization=world.org, score_min=7, open_case=True)
    vip = make_customer(organization=world.org, tags=["VIP"])
    rule.tags.set(vip.tags.all())
    tagged = answer_from(world, vip)
    untagged = answer_from(world, make_customer(organization=world.org, tags=["wholesale"]))
    assert list(RuleRun.objects.filter(rule=rule).values_list("response", flat=True)) == [tagged.pk]
    assert Case.objects.filter(response=untagged).count() == 0


def test_segment_and_tag_must_both_hold(world):
    rule = make_rule(organization=world.org, segment="champions", score_min=7)
    champion_without_tag = make_customer(organization=world.org, segment="champions")
    champion_with_tag = make_customer(organization=world.org, segment="champions", tags=["VIP"])
    rule.tags.set(champion_with_tag.tags.all())
    answer_from(world, champion_without_tag)
    second = answer_from(world, champion_with_tag)
    assert list(RuleRun.objects.filter(rule=rule).values_list("response", flat=True)) == [second.pk]


def test_a_case_opened_rule_sees_the_segment_of_a_case_recorded_by_hand(world):
    default_rule(organization=world.org, key="detractors")
    rule = make_rule(
        organization=world.org,
        trigger=Trigger.CASE_OPENED,
        segment="at_risk",
        assign_mode="person",
        assign_to=world.manager,
    )
    at_risk = make_customer(organization=world.org, segment="at_risk")
    case = complaint_open(location=world.store, content=SERVICE, customer=at_risk, source="hotline")
    other = complaint_open(location=world.store, content=SERVICE, customer=make_customer(organization=world.org))
    assert (case.responsible, other.responsible) == (world.manager, world.employee)
    assert RuleRun.objects.filter(rule=rule).count() == 1


def test_a_case_opened_from_an_answer_keeps_the_answers_customer(world):
    customer = make_customer(organization=world.org, segment="at_risk")
    response = answer_from(world, customer)
    assert complaint_open_for_answer(response=response).customer == customer
