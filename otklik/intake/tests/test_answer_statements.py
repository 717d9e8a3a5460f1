"""The statements one answer costs, pinned so that speeding up the answer path (issue 15) is measured, not guessed.

A promoter's answer: the answer, the rules that match nothing, the rollup. A detractor's: the same, and the
complaint it opens (case, event, its rules, the holder's alert, the customer's thank-you). Lower these numbers
when a change saves statements; a change that adds one must say why.
"""

import pytest

from otklik.cases.models import Case
from otklik.intake.answers import answer_receive
from otklik.messaging.models import OutboxMessage
from otklik.rollups.models import ResponseRollup
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys.selectors import public_survey
from otklik.surveys.services import AnswerInput

PROMOTER_STATEMENTS = 8
DETRACTOR_STATEMENTS = 44


@pytest.fixture
def public(world):
    """The survey and touchpoint as the public page loads them, in an organization that already has its rules."""
    rules_ensure_defaults(organization=world.org)
    return public_survey(survey_key=world.nps.public_key, touchpoint_key=world.checkout.public_key)


def test_a_promoters_answer_costs_a_fixed_number_of_statements(world, public, django_assert_num_queries):
    survey, touchpoint = public
    with django_assert_num_queries(PROMOTER_STATEMENTS):
        response = answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=10))
    assert not Case.objects.filter(response=response).exists()
    assert ResponseRollup.objects.filter(organization=world.org).exists()


def test_a_detractors_answer_opens_its_case_in_a_fixed_number_of_statements(world, public, django_assert_num_queries):
    survey, touchpoint = public
    answer = AnswerInput(score=2, comment="The coffee was cold.", customer_email="pat@example.org", consent=True)
    with django_assert_num_queries(DETRACTOR_STATEMENTS):
        response = answer_receive(survey=survey, touchpoint=touchpoint, answer=answer)
    case = Case.objects.get(response=response)
    kinds = set(OutboxMessage.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {"case_alert", "case_thank_you"}
