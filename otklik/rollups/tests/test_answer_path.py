"""What keeping rollups current adds to an answer: one statement, and lookups the answer path no longer repeats."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.intake.answers import answer_receive
from otklik.rules.services import rules_ensure_defaults
from otklik.surveys.selectors import public_survey
from otklik.surveys.services import AnswerInput


def submit_through_public_link(world, score: int):
    rules_ensure_defaults(organization=world.org)
    survey, touchpoint = public_survey(survey_key=world.nps.public_key, touchpoint_key=world.checkout.public_key)
    with CaptureQueriesContext(connection) as queries:
        answer_receive(survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=score), notify=False)
    return [query["sql"] for query in queries.captured_queries]


def test_an_answer_updates_its_rollups_in_one_statement(world):
    statements = submit_through_public_link(world, score=10)
    assert len([sql for sql in statements if "rollups_responserollup" in sql]) == 1


def test_an_answer_does_not_look_up_its_organization_or_location_again(world):
    statements = submit_through_public_link(world, score=10)
    assert not [sql for sql in statements if 'FROM "accounts_organization"' in sql]
    assert not [sql for sql in statements if 'FROM "accounts_location"' in sql]


def test_an_organization_with_rules_is_not_asked_again_whether_it_has_any(world):
    statements = submit_through_public_link(world, score=10)
    assert not [sql for sql in statements if sql.startswith('SELECT 1 AS "a" FROM "rules_rule"')]
    assert len([sql for sql in statements if 'FROM "rules_rule"' in sql]) == 1
