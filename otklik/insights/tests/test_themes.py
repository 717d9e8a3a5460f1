"""Themes are discovered from an organization's own answers, shaped by a manager, and tag answers."""

import pytest

from otklik.insights.models import AnswerAnalysis, AnswerTheme, Theme
from otklik.insights.services import (
    answers_tag,
    theme_ban_keyword,
    theme_pin_keyword,
    theme_rename,
    theme_split,
    themes_discover,
    themes_merge,
)
from otklik.insights.tasks import tag_response
from otklik.insights.tests import samples
from otklik.insights.tests.helpers import add_answers

LOST_BAG_ON_HOLD = "570091216013955073"  # lost bag, agent promised to call & hold it
ON_HOLD_24_MINUTES = "569927630469894144"
BAG_LOST_NO_HELP = "569568158584950787"


def themes_of(response) -> set[str]:
    return set(AnswerTheme.objects.filter(response=response).values_list("theme__name", flat=True))


@pytest.fixture
def complaints(world):
    """300 real airline complaints as detractor answers of the acme organization."""
    rows = samples.airline_complaints(300)
    return add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(3, r["text"]) for r in rows])


def manual_theme(world, name, pinned, organization=None):
    return Theme.objects.create(
        organization=organization or world.org, name=name, pinned_keywords=pinned, is_manual=True
    )


def test_discovery_on_real_answers_yields_named_themes_with_key_words(world, complaints):
    themes = themes_discover(organization=world.org, k=6)
    assert len(themes) == 6
    for theme in themes:
        assert theme.name and len(theme.keywords) >= 5
        assert max(weight for _term, weight in theme.keywords) == 1.0
    tagged = AnswerTheme.objects.filter(response__organization=world.org).values("response").distinct().count()
    assert tagged > len(complaints) // 2
    assert AnswerAnalysis.objects.filter(response__in=complaints, language="en").count() == len(complaints)


def test_rediscovery_keeps_the_themes_a_manager_shaped(world, complaints):
    themes = themes_discover(organization=world.org, k=5)
    kept = theme_rename(theme=themes[0], name="Lost luggage")
    again = themes_discover(organization=world.org, k=5)
    assert len(again) == 5
    assert again[0].id == kept.id and again[0].name == "Lost luggage"
    assert Theme.objects.filter(organization=world.org).count() == 5


def test_an_answer_can_carry_several_themes(world):
    [answer] = add_answers(
        world_touchpoint=world.checkout, survey=world.nps, answers=[(2, samples.airline(LOST_BAG_ON_HOLD))]
    )
    manual_theme(world, "Luggage", ["bag"])
    manual_theme(world, "Phone wait", ["hold"])
    manual_theme(world, "Food", ["meal"])
    answers_tag(organization=world.org, responses=[answer])
    assert themes_of(answer) == {"Luggage", "Phone wait"}


def test_pinning_a_key_word_tags_answers_that_use_it(world):
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, samples.airline(ON_HOLD_24_MINUTES)), (2, samples.airline(BAG_LOST_NO_HELP))],
    )
    theme = manual_theme(world, "Phone wait", [])
    answers_tag(organization=world.org, responses=answers)
    assert themes_of(answers[0]) == set()
    theme_pin_keyword(theme=theme, keyword="minutes")  # lemmatized: "minute" matches "minutes"
    assert themes_of(answers[0]) == {"Phone wait"}
    assert themes_of(answers[1]) == set()


def test_banning_a_key_word_stops_it_tagging(world):
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, samples.airline(LOST_BAG_ON_HOLD)), (2, samples.airline(BAG_LOST_NO_HELP))],
    )
    theme = manual_theme(world, "Luggage", ["bag", "lost"])
    answers_tag(organization=world.org, responses=answers)
    assert themes_of(answers[0]) == themes_of(answers[1]) == {"Luggage"}
    theme_ban_keyword(theme=theme, keyword="bags")
    theme.refresh_from_db()
    assert theme.pinned_keywords == ["lost"]
    assert themes_of(answers[0]) == themes_of(answers[1]) == {"Luggage"}  # "lost" still tags both
    theme_ban_keyword(theme=theme, keyword="lost")
    assert themes_of(answers[0]) == themes_of(answers[1]) == set()


def test_merging_moves_answers_to_one_theme(world):
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, samples.airline(ON_HOLD_24_MINUTES)), (2, samples.airline(BAG_LOST_NO_HELP))],
    )
    hold = manual_theme(world, "Hold", ["hold"])
    bag = manual_theme(world, "Bag", ["bag"])
    answers_tag(organization=world.org, responses=answers)
    merged = themes_merge(organization=world.org, themes=[hold, bag], name="Service failures")
    assert merged.id == hold.id and not Theme.objects.filter(id=bag.id).exists()
    assert themes_of(answers[0]) == themes_of(answers[1]) == {"Service failures"}


def test_merging_refuses_another_organizations_theme(world):
    from django.core.exceptions import ValidationError

    ours = manual_theme(world, "Hold", ["hold"])
    theirs = manual_theme(world, "Bag", ["bag"], organization=world.other_org)
    with pytest.raises(ValidationError):
        themes_merge(organization=world.org, themes=[ours, theirs], name="Both")


def test_splitting_moves_the_chosen_key_words_to_a_new_theme(world):
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, samples.airline(ON_HOLD_24_MINUTES)), (2, samples.airline(BAG_LOST_NO_HELP))],
    )
    theme = manual_theme(world, "Problems", ["hold", "bag"])
    answers_tag(organization=world.org, responses=answers)
    assert themes_of(answers[1]) == {"Problems"}
    luggage = theme_split(theme=theme, keywords=["bags"], name="Luggage")
    assert luggage.pinned_keywords == ["bags"]
    assert themes_of(answers[0]) == {"Problems"}
    assert themes_of(answers[1]) == {"Luggage"}


def test_the_task_tags_a_new_answer_and_is_safe_to_repeat(world):
    manual_theme(world, "Luggage", ["bag"])
    [answer] = add_answers(
        world_touchpoint=world.checkout, survey=world.nps, answers=[(2, samples.airline(BAG_LOST_NO_HELP))]
    )
    assert tag_response.call(response_id=answer.id) == 1
    assert tag_response.call(response_id=answer.id) == 1
    assert themes_of(answer) == {"Luggage"}
    assert tag_response.call(response_id=10**9) == 0


def test_tagging_ignores_answers_of_another_organization(world):
    manual_theme(world, "Luggage", ["bag"])
    [theirs] = add_answers(
        world_touchpoint=world.stranger_checkout,
        survey=world.stranger_nps,
        answers=[(2, samples.airline(BAG_LOST_NO_HELP))],
    )
    assert answers_tag(organization=world.org, responses=[theirs]) == 0
    assert themes_of(theirs) == set()


def test_it_records_language_and_profanity_of_each_answer(world):
    [answer] = add_answers(
        world_touchpoint=world.checkout, survey=world.nps, answers=[(1, samples.russian("626078112271500000"))]
    )
    answers_tag(organization=world.org, responses=[answer])
    assert answer.analysis.language == "ru" and answer.analysis.has_profanity


def test_a_pinned_word_matches_its_other_forms_in_russian(world):
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[
            (2, samples.russian("618022289767050000")),  # "отсидеть полтора часа в очереди, ..."
            (3, samples.russian("618070910256440000")),  # "Очередь в ростелекоме , ..."
            (2, samples.russian("626078112271500000")),  # about the connection, no queue
        ],
    )
    manual_theme(world, "Очереди", ["очереди"])
    answers_tag(organization=world.org, responses=answers)
    assert [themes_of(a) for a in answers] == [{"Очереди"}, {"Очереди"}, set()]
