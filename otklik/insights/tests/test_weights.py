"""A theme's weight on NPS, its monthly trend and where it gathers; one organization never sees another's."""

import datetime

from otklik.insights.models import AnswerTheme, Theme
from otklik.insights.selectors import comment_for_display, theme_concentration, theme_trend_by_month, theme_weights
from otklik.insights.services import answers_tag
from otklik.insights.tests import samples
from otklik.insights.tests.helpers import add_answers

BAG_LOST_NO_HELP = "569568158584950787"
ON_HOLD_24_MINUTES = "569927630469894144"


def luggage_world(world):
    """10 NPS answers: 4 detractors (3 about bags), 3 passives (1 about bags), 3 promoters (none)."""
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(0, bag), (3, bag), (6, bag), (5, hold), (7, bag), (8, hold), (8, hold), (9, hold), (10, ""), (9, "")],
    )
    theme = Theme.objects.create(organization=world.org, name="Luggage", pinned_keywords=["bag"], is_manual=True)
    answers_tag(organization=world.org, responses=answers)
    return theme, answers


def test_theme_weights_on_a_known_set(world):
    theme, _ = luggage_world(world)
    [weight] = theme_weights(organization=world.org)
    assert weight.theme == theme
    assert (weight.count, weight.detractors, weight.passives, weight.promoters) == (4, 3, 1, 0)
    assert weight.detractor_share == 75.0
    assert weight.passive_share == 33.3
    assert weight.promoter_share == 0.0
    assert weight.nps_gain == 30.0  # 3 detractors of 10 NPS answers


def test_theme_weights_respect_a_narrower_queryset(world):
    luggage_world(world)
    [weight] = theme_weights(organization=world.org, qs=world.org.responses.filter(score__lte=3))
    assert (weight.count, weight.detractors, weight.nps_gain) == (2, 2, 100 * 2 / 2)


def test_trend_by_month_counts_tagged_answers_and_their_share(world):
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    feb, mar = datetime.datetime(2015, 2, 10, tzinfo=datetime.UTC), datetime.datetime(2015, 3, 10, tzinfo=datetime.UTC)
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, bag, feb), (2, hold, feb), (2, bag, mar), (2, bag, mar)],
    )
    theme = Theme.objects.create(organization=world.org, name="Luggage", pinned_keywords=["bag"], is_manual=True)
    answers_tag(organization=world.org, responses=answers)
    trend = theme_trend_by_month(theme=theme)
    assert [(m.month, m.count, m.share) for m in trend] == [
        (datetime.date(2015, 2, 1), 1, 50.0),
        (datetime.date(2015, 3, 1), 2, 100.0),
    ]


def test_concentration_by_location_and_touchpoint(world):
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(2, bag), (2, hold)])
    add_answers(world_touchpoint=world.other_checkout, survey=world.nps, answers=[(2, bag), (2, bag)])
    theme = Theme.objects.create(organization=world.org, name="Luggage", pinned_keywords=["bag"], is_manual=True)
    answers_tag(organization=world.org, responses=world.org.responses.all())
    places = theme_concentration(theme=theme)
    assert [(p.location, p.count, p.share) for p in places] == [("Airport", 2, 100.0), ("Main Street", 1, 50.0)]


def test_one_organizations_themes_never_appear_for_another(world):
    luggage_world(world)
    add_answers(
        world_touchpoint=world.stranger_checkout,
        survey=world.stranger_nps,
        answers=[(1, samples.airline(BAG_LOST_NO_HELP))],
    )
    assert theme_weights(organization=world.other_org) == []
    # A queryset of the other organization's answers does not leak into ours either.
    [weight] = theme_weights(organization=world.org, qs=world.other_org.responses.all())
    assert weight.count == 0 and weight.nps_gain == 0.0
    theirs = Theme.objects.create(organization=world.other_org, name="Bags", pinned_keywords=["bag"])
    answers_tag(organization=world.other_org, responses=world.other_org.responses.all())
    assert {p.location for p in theme_concentration(theme=theirs)} == {"Rival Store"}
    assert not AnswerTheme.objects.filter(theme=theirs, response__organization=world.org).exists()


def test_comments_are_shown_masked_unless_the_viewer_may_see_the_original(world):
    text = samples.russian("626078112271500000")
    [answer] = add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, text)])
    assert comment_for_display(response=answer) == "Е**** я эту связь, билайн г****, надо переходить на мтс."
    assert comment_for_display(response=answer, may_see_original=True) == text
