"""The statements one answer costs, pinned so that speeding up the answer path (issue 15) is measured, not guessed.

A promoter's answer: the answer, the rules that match nothing, the rollup. A detractor's: the same, and the
complaint it opens (case, event, its rules, the holder's alert, the customer's thank-you). Lower these numbers
when a change saves statements; a change that adds one must say why.
"""

import pytest
from django.db import connection

from otklik.cases.models import Case
from otklik.insights.profanity import forget_organization_words
from otklik.intake.answers import answer_receive
from otklik.messaging.models import OutboxMessage
from otklik.rollups.models import ResponseRollup
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys.selectors import public_survey
from otklik.surveys.services import AnswerInput

# Before the intake (main at e6f37a1): 8 and 46. The case rule now comes with the survey (-1 each), and a
# complaint opened by a rule takes no savepoint of its own, asks for no default "case opened" rules and reads
# the organization it already has (-5 more for a detractor). Its holder's alert asks no more whether the holder
# may see the case (a case's holder always may: -2, decision 0030).
# SQLite: +1, the answer's count by its customer's segment (decision 0047); on PostgreSQL it is in the
# rollup's one statement (a WITH).
SEGMENT_STATEMENT = connection.vendor != "postgresql"
PROMOTER_STATEMENTS = 7 + SEGMENT_STATEMENT
# +3 with the case rollups (decision 0031): the new case counted, and the automatic thank-you's mark counted with
# the SLA policies it is judged by.
# SQLite: +2 more, the case counted by its customer's segment when opened and when marked thanked (decision
# 0050); on PostgreSQL each is in the case rollups' one upsert (a WITH).
DETRACTOR_STATEMENTS = 40 + 3 * SEGMENT_STATEMENT


@pytest.fixture
def public(world):
    """The survey and touchpoint as the public page loads them, in an organization that already has its rules."""
    rules_ensure_defaults(organization=world.org)
    # The organization's own insult words are kept per process for a few seconds: an earlier test's copy
    # would save the statement that reads them, and the count would depend on the order of the tests.
    forget_organization_words(world.org.pk)
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


def test_a_complaint_that_fails_in_a_rule_leaves_the_answer_and_no_case(world, public, monkeypatch):
    """complaint_open takes no savepoint of its own: the rule action's savepoint must still undo all of it."""
    from otklik.cases import services as case_services
    from otklik.rules.models import RuleRun

    def alert_fails(**kwargs):
        raise RuntimeError("the alert could not be queued")

    monkeypatch.setattr("otklik.intake.complaints.case_alert_queue", alert_fails)
    survey, touchpoint = public
    response = answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=2, comment="Cold."))
    assert not Case.objects.filter(response=response).exists()
    assert not case_services.CaseEvent.objects.exists()
    run = RuleRun.objects.get(response=response)
    assert not run.ok and "could not be queued" in run.error


def test_the_case_rule_loaded_with_the_survey_is_the_one_in_force(world, public):
    """The public page reads the rule with the survey; a rule changed on the same object is the one used."""
    from otklik.cases.case_rules import case_rule_set

    survey, touchpoint = public
    case_rule_set(survey=survey, comparison="lte", threshold=1)
    response = answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=2, comment="Meh."))
    assert not Case.objects.filter(response=response).exists()
