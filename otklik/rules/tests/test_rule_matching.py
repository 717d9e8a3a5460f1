import pytest

from otklik.cases.case_rules import case_rule_set
from otklik.cases.models import Case
from otklik.rules.models import Rule, RuleRun, ScoreBand
from otklik.rules.services import rules_ensure_defaults
from otklik.rules.tests.helpers import default_rule, make_rule
from otklik.rules.tests.samples import RU_RUDE, RU_RUDE_STAFF, SEAT, SERVICE
from otklik.testing.factories import make_response, make_survey


def test_it_ships_the_default_rules_once(world):
    rules_ensure_defaults(organization=world.org)
    rules_ensure_defaults(organization=world.org)
    keys = list(Rule.objects.filter(organization=world.org).values_list("key", flat=True))
    assert keys == ["detractors", "thanks_for_thanks", "praise_names_employee"]
    assert not Rule.objects.filter(organization=world.other_org).exists()


def test_the_default_rule_opens_a_case_on_each_kinds_threshold(world):
    csat, ces = make_survey(organization=world.org, kind="csat"), make_survey(organization=world.org, kind="ces")
    assert make_response(survey=world.nps, touchpoint=world.checkout, score=6, comment=SERVICE).case
    assert not Case.objects.filter(response__score=7, response__survey=world.nps).exists()
    make_response(survey=world.nps, touchpoint=world.checkout, score=7, comment=SEAT)
    assert Case.objects.count() == 1
    assert make_response(survey=csat, touchpoint=world.checkout, score=2, comment=SEAT).case
    make_response(survey=csat, touchpoint=world.checkout, score=3, comment=SEAT)
    assert make_response(survey=ces, touchpoint=world.checkout, score=5, comment=SEAT).case
    make_response(survey=ces, touchpoint=world.checkout, score=4, comment=SEAT)
    assert Case.objects.count() == 3


def test_the_survey_page_threshold_is_the_one_the_default_rule_uses(world):
    case_rule_set(survey=world.nps, comparison="lte", threshold=3)
    make_response(survey=world.nps, touchpoint=world.checkout, score=5, comment=SERVICE)
    assert not Case.objects.exists()
    assert make_response(survey=world.nps, touchpoint=world.checkout, score=3, comment=SERVICE).case


def test_a_disabled_default_rule_opens_no_case(world):
    rule = default_rule(organization=world.org, key="detractors")
    rule.enabled = False
    rule.save()
    make_response(survey=world.nps, touchpoint=world.checkout, score=0, comment=SERVICE)
    assert not Case.objects.exists()


def test_a_rule_matches_english_words_in_any_form(world):
    make_rule(organization=world.org, words="atrocious, services", score_min=7, open_case=True)
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=SERVICE)
    assert response.case is not None
    other = make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=SEAT)
    assert not Case.objects.filter(response=other).exists()


def test_a_rule_matches_russian_words_in_any_case(world):
    make_rule(organization=world.org, words="хам", open_case=True, score_min=7)
    first = make_response(survey=world.nps, touchpoint=world.checkout, score=8, comment=RU_RUDE, language="ru")
    second = make_response(survey=world.nps, touchpoint=world.checkout, score=9, comment=RU_RUDE_STAFF)
    assert first.case is not None and second.case is not None


@pytest.mark.parametrize(("score", "matches"), [(2, False), (3, True), (5, True), (6, False)])
def test_a_rule_matches_its_score_range_inclusive(world, score, matches):
    rule = make_rule(organization=world.org, survey=world.nps, score_min=3, score_max=5, bonus="10% off")
    default_rule(organization=world.org, key="detractors").delete()
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=score, comment=SEAT)
    assert RuleRun.objects.filter(rule=rule, response=response).exists() == matches


def test_a_rule_for_one_location_ignores_the_others(world):
    rule = make_rule(organization=world.org, location=world.other_store, band=ScoreBand.COMPLAINT)
    here = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SEAT)
    there = make_response(survey=world.nps, touchpoint=world.other_checkout, score=1, comment=SEAT)
    assert list(RuleRun.objects.filter(rule=rule).values_list("response", flat=True)) == [there.pk]
    assert here.case is not None  # the default rule still opened a case for the first one


def test_a_rule_for_one_survey_kind_ignores_the_others(world):
    csat = make_survey(organization=world.org, kind="csat")
    rule = make_rule(organization=world.org, kinds=["csat"], score_max=1)
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SEAT)
    make_response(survey=csat, touchpoint=world.checkout, score=1, comment=SEAT)
    assert list(RuleRun.objects.filter(rule=rule).values_list("response__survey", flat=True)) == [csat.pk]


def test_a_rule_that_stops_processing_keeps_later_rules_from_running(world):
    make_rule(organization=world.org, order=1, words="atrocious", stop_processing=True)
    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=SERVICE)
    assert not Case.objects.exists()  # the default detractor rule (order 10) never ran
