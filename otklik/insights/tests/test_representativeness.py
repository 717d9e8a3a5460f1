"""D4: is this complaint representative? Others who said the same at the same place, their score and segments."""

import datetime

from otklik.cases.models import CaseSource
from otklik.customers.models import Customer
from otklik.insights.representativeness import Verdict, case_representativeness, response_representativeness
from otklik.insights.services import answers_tag
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers
from otklik.intake.complaints import complaint_open, complaint_open_for_answer

BAG_LOST_NO_HELP = "569568158584950787"
DAY = datetime.datetime(2015, 2, 20, 12, 0, tzinfo=datetime.UTC)


def without_bags(count: int) -> list[str]:
    """Real complaints that do not mention a bag."""
    texts = [r["text"] for r in samples.airline_complaints(400) if "bag" not in r["text"].lower()]
    return texts[:count]


def at(days_before: int) -> datetime.datetime:
    return DAY - datetime.timedelta(days=days_before)


def luggage_story(world):
    """Main Street: 20 answers in the period, 4 about bags (plus 1 too old); Airport: 30 answers, 1 about bags."""
    bag = samples.airline(BAG_LOST_NO_HELP)
    loyal = Customer.objects.create(organization=world.org, name="A", segment="champions")
    also = Customer.objects.create(organization=world.org, name="B", segment="champions")
    author = Customer.objects.create(organization=world.org, name="C", segment="at_risk")
    main = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(1, bag, at(0)), (2, bag, at(5)), (4, bag, at(10)), (6, bag, at(20)), (0, bag, at(200))]
        + [(8, text, at(30)) for text in without_bags(16)],
    )
    main[0].customer, main[1].customer, main[2].customer = author, loyal, also
    for answer in main[:3]:
        answer.save(update_fields=["customer"])
    airport = add_answers(
        world_touchpoint=world.other_checkout,
        survey=world.nps,
        answers=[(3, bag, at(1))] + [(9, text, at(2)) for text in without_bags(29)],
    )
    theme = make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    return theme, main, airport


def test_a_complaint_many_others_share_is_a_pattern(world):
    theme, main, _airport = luggage_story(world)
    panel = response_representativeness(response=main[0])
    [echo] = panel.echoes
    assert echo.theme == theme
    assert (echo.others, echo.people, echo.total) == (3, 4, 20)
    assert echo.share == 20.0
    assert echo.organization_share == 10.0  # 5 of the 50 answers in the period
    assert echo.average_score == 4.0  # 2, 4 and 6: the author's own 1 is not "other customers"
    assert echo.segments == [("champions", 2), ("", 1)]
    assert echo.verdict == Verdict.PATTERN
    assert echo.verdict_text == "A pattern: 20 % of answers at this location mention it."


def test_the_panel_names_the_segments_in_the_readers_language(world):
    from django.template.loader import render_to_string
    from django.utils import translation

    _theme, main, _airport = luggage_story(world)
    panel = response_representativeness(response=main[0])
    with translation.override("ru"):
        html = render_to_string("insights/_representativeness.html", {"panel": panel})
    # The stored RFM codes ("champions") are for the database; a reader sees the segment's name.
    assert "Чемпионы: 2" in html and "champions" not in html


def test_a_lone_complaint_among_many_answers_is_an_outlier(world):
    _theme, _main, airport = luggage_story(world)
    [echo] = response_representativeness(response=airport[0]).echoes
    assert (echo.others, echo.people, echo.total) == (0, 1, 30)
    assert echo.verdict == Verdict.OUTLIER
    assert echo.verdict_text == "An outlier: 1 of 30 answers at this location."
    assert echo.average_score is None and echo.segments == []


def test_too_few_answers_give_no_verdict(world):
    bag = samples.airline(BAG_LOST_NO_HELP)
    answers = add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, bag, at(0)), (2, bag, at(1))])
    make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=answers)
    [echo] = response_representativeness(response=answers[0]).echoes
    assert echo.verdict == Verdict.TOO_FEW


def test_the_same_customers_other_answers_do_not_count_as_others(world):
    _theme, main, _airport = luggage_story(world)
    main[1].customer = main[0].customer
    main[1].save(update_fields=["customer"])
    [echo] = response_representativeness(response=main[0]).echoes
    assert echo.others == 2


def test_an_answer_not_yet_tagged_says_so(world):
    [answer] = add_answers(
        world_touchpoint=world.checkout, survey=world.nps, answers=[(1, samples.airline(BAG_LOST_NO_HELP))]
    )
    panel = response_representativeness(response=answer)
    assert panel.awaiting_tags and panel.echoes == []


def test_a_case_from_an_answer_uses_the_answers_themes(world):
    _theme, main, _airport = luggage_story(world)
    case = complaint_open_for_answer(response=main[0], notify=False)
    [echo] = case_representativeness(case=case).echoes
    assert echo.others == 3 and echo.verdict == Verdict.PATTERN


def test_a_hotline_complaint_is_read_for_themes_on_the_spot(world):
    luggage_story(world)
    case = complaint_open(
        location=world.store,
        touchpoint=world.checkout,
        content=samples.airline(BAG_LOST_NO_HELP),
        source=CaseSource.HOTLINE,
        created_at=DAY,
        notify=False,
    )
    [echo] = case_representativeness(case=case).echoes
    assert echo.theme.name == "Luggage"
    assert (echo.others, echo.people) == (4, 5)


def test_other_organizations_answers_never_count(world):
    theme, main, _airport = luggage_story(world)
    add_answers(
        world_touchpoint=world.stranger_checkout,
        survey=world.stranger_nps,
        answers=[(1, samples.airline(BAG_LOST_NO_HELP), at(1))] * 5,
    )
    [echo] = response_representativeness(response=main[0]).echoes
    assert echo.organization_share == 10.0 and echo.others == 3
