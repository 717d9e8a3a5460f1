"""Issue 17: "similar complaints" offered when linking cases to an improvement are found by theme,
location and touchpoint within the organization, not just the newest, never another organization's."""

import pytest

from otklik.improvements.models import Improvement, ImprovementCase
from otklik.improvements.selectors import improvement_link_candidates
from otklik.improvements.tests.helpers import LUGGAGE, SEAT, WIFI, WIFI_FREE, WIFI_PAY, open_case
from otklik.insights.models import AnswerTheme, Theme
from otklik.testing.factories import make_touchpoint


@pytest.fixture
def wifi(world) -> Theme:
    return Theme.objects.create(organization=world.org, name="Wi-Fi on board", keywords=[["wifi", 1.0], ["pay", 0.5]])


def tag(case, theme: Theme) -> None:
    AnswerTheme.objects.create(response=case.response, theme=theme, weight=1.0)


def candidates(world, improvement) -> list:
    membership = world.manager.memberships.get()
    return list(improvement_link_candidates(membership=membership, improvement=improvement))


def link(improvement, case) -> None:
    ImprovementCase.objects.create(improvement=improvement, case=case)


def test_the_same_theme_comes_first_then_the_same_touchpoint_then_the_same_location(world, wifi):
    improvement = Improvement.objects.create(organization=world.org, title="Wi-Fi for everyone")
    linked = open_case(world, comment=WIFI)
    tag(linked, wifi)
    link(improvement, linked)
    door = make_touchpoint(location=world.store, name="Door")
    same_theme = open_case(world, comment=WIFI_PAY, touchpoint=door)
    tag(same_theme, wifi)
    same_location = open_case(world, comment=LUGGAGE, touchpoint=door)
    same_touchpoint = open_case(world, comment=SEAT)  # the newest
    elsewhere = open_case(world, comment=WIFI_FREE, touchpoint=world.other_checkout)
    tag(elsewhere, wifi)  # the same theme at another company's location is another problem
    assert candidates(world, improvement) == [same_theme, same_touchpoint, same_location]
    assert elsewhere not in candidates(world, improvement)


def test_with_nothing_linked_the_theme_the_title_names_finds_its_complaints_anywhere(world, wifi):
    improvement = Improvement.objects.create(organization=world.org, title="Free wifi on every flight")
    about_wifi = open_case(world, comment=WIFI_PAY, touchpoint=world.other_checkout)
    tag(about_wifi, wifi)
    open_case(world, comment=LUGGAGE)  # newer, about something else
    assert candidates(world, improvement) == [about_wifi]


def test_with_nothing_to_go_by_the_newest_are_offered(world):
    improvement = Improvement.objects.create(organization=world.org, title="Be nicer")
    older, newer = open_case(world, comment=SEAT), open_case(world, comment=LUGGAGE)
    assert candidates(world, improvement) == [newer, older]


def test_another_organizations_complaints_are_never_offered(world):
    rival_theme = Theme.objects.create(organization=world.other_org, name="wifi", keywords=[["wifi", 1.0]])
    theirs = open_case(world, comment=WIFI, touchpoint=world.stranger_checkout, survey=world.stranger_nps)
    tag(theirs, rival_theme)
    improvement = Improvement.objects.create(organization=world.org, title="Free wifi")
    ours = open_case(world, comment=WIFI_FREE)
    assert candidates(world, improvement) == [ours]


def test_the_improvement_page_offers_the_similar_complaints(world, login, wifi):
    improvement = Improvement.objects.create(organization=world.org, title="Wi-Fi for everyone")
    linked = open_case(world, comment=WIFI)
    tag(linked, wifi)
    link(improvement, linked)
    similar = open_case(world, comment=WIFI_PAY)
    elsewhere = open_case(world, comment=LUGGAGE, touchpoint=world.other_checkout)
    html = login(world.manager).get(f"/improvements/{improvement.pk}/").content.decode()
    assert f'value="{similar.pk}"' in html and f'value="{elsewhere.pk}"' not in html


def test_the_page_says_when_the_list_is_only_the_newest(world, login):
    improvement = Improvement.objects.create(organization=world.org, title="Be nicer")
    open_case(world, comment=SEAT)
    html = login(world.manager).get(f"/improvements/{improvement.pk}/").content.decode()
    assert "Or pick from the newest cases (link one to see similar ones)" in html
