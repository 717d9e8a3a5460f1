"""Tagging keeps the theme tags' rollups current: the reconciliation finds nothing to correct after it."""

from otklik.insights.models import AnswerAnalysis, AnswerTheme
from otklik.insights.services import answers_tag
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers
from otklik.rollups.models import Grain, TagRollup
from otklik.rollups.services import rollups_reconcile

BAG_LOST_NO_HELP = "569568158584950787"
ON_HOLD_24_MINUTES = "569927630469894144"


def test_tagging_counts_each_tag_once_in_its_day_and_month(world):
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, bag), (3, bag), (8, hold), (10, "")])
    add_answers(world_touchpoint=world.other_checkout, survey=world.nps, answers=[(2, bag)])
    rollups_reconcile(organization=world.org)  # the answers' rollups; no theme yet
    luggage = make_theme(world.org, "Luggage", ["bag"])

    answers_tag(organization=world.org, responses=world.org.responses.all())
    answers_tag(organization=world.org, responses=world.org.responses.all())  # re-tagging replaces, never adds

    tags = AnswerTheme.objects.filter(theme=luggage).count()
    assert tags == 3
    for grain in (Grain.DAY, Grain.MONTH):
        rows = TagRollup.objects.filter(organization=world.org, theme_id=luggage.pk, grain=grain)
        assert sum(row.count for row in rows) == tags
        assert sum(row.with_text for row in rows) == tags
        assert sum(row.s1 + row.s2 + row.s3 for row in rows) == tags
    result = rollups_reconcile(organization=world.org)
    assert result.tags_corrected == []


def test_reconciliation_removes_the_counts_of_tags_deleted_behind_its_back(world):
    bag = samples.airline(BAG_LOST_NO_HELP)
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, bag), (3, bag)])
    luggage = make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    # As erasing a customer's data does (privacy._forget_themes): with their analyses, so they are not "other".
    AnswerTheme.objects.filter(theme=luggage).delete()
    AnswerAnalysis.objects.all().delete()

    result = rollups_reconcile(organization=world.org)

    assert len(result.tags_corrected) == 2  # the day and the month
    assert not TagRollup.objects.filter(organization=world.org).exists()
