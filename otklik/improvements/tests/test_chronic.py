"""Chronic problems: recurring complaints by touchpoint and topic, with the improvements behind them."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Case
from otklik.improvements import services
from otklik.improvements.chronic import TOPIC_THEMES, TOPIC_WORDS, chronic_problems, topic_words
from otklik.improvements.tests.helpers import LUGGAGE, SEAT, WAIT_RU, WIFI, WIFI_FREE, WIFI_PAY, open_case, resolve


@pytest.fixture
def complaints(world):
    wifi = [open_case(world, comment=text) for text in [WIFI, WIFI_PAY, WIFI_FREE]]
    airport = [open_case(world, comment=text, touchpoint=world.other_checkout) for text in [SEAT, LUGGAGE]]
    resolve(wifi[0])
    old = open_case(world, comment=WIFI)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))
    return {"wifi": wifi, "airport": airport, "old": old}


def membership(world, user):
    return user.memberships.get(organization=world.org)


def by_label(groups):
    return {group.label: group for group in groups}


def test_it_groups_recurring_complaints_by_touchpoint(world, complaints):
    report = chronic_problems(membership=membership(world, world.manager))
    assert report.case_count == 5  # the 120-day-old complaint is out of the window
    checkout, airport = report.by_touchpoint
    assert (checkout.detail, checkout.count, checkout.open_count) == ("Main Street", 3, 2)
    assert (airport.detail, airport.count, airport.open_count) == ("Airport", 2, 2)


def test_it_groups_by_shared_words_when_there_are_no_themes(world, complaints):
    report = chronic_problems(membership=membership(world, world.manager))
    assert report.topic_source == TOPIC_WORDS
    wifi = by_label(report.by_topic)["wifi"]
    assert sorted(wifi.case_ids) == sorted(case.pk for case in complaints["wifi"])
    assert all(group.count >= 2 for group in report.by_topic)


def test_each_group_shows_its_improvements_or_none(world, complaints):
    improvement = services.improvement_create(organization=world.org, title="Free wifi")
    services.improvement_link_cases(improvement=improvement, cases=complaints["wifi"][1:2])
    report = chronic_problems(membership=membership(world, world.manager))
    checkout, airport = sorted(report.by_touchpoint, key=lambda group: group.detail, reverse=True)
    assert checkout.improvements == [improvement]
    assert airport.improvements == [] and not airport.has_improvement
    assert by_label(report.by_topic)["wifi"].improvements == [improvement]


def test_an_employee_sees_only_their_locations(world, complaints):
    report = chronic_problems(membership=membership(world, world.employee))
    assert [group.detail for group in report.by_touchpoint] == ["Main Street"]


def test_it_uses_insights_themes_when_answers_are_tagged(world, complaints):
    try:
        theme_model = apps.get_model("insights", "Theme")
        answer_theme = apps.get_model("insights", "AnswerTheme")
    except LookupError:
        pytest.skip("the insights app is not installed")
    theme = theme_model.objects.create(organization=world.org, name="Paid wifi")
    for case in complaints["wifi"]:
        answer_theme.objects.create(response=case.response, theme=theme, weight=1.0)
    report = chronic_problems(membership=membership(world, world.manager))
    assert report.topic_source == TOPIC_THEMES
    [group] = report.by_topic
    assert (group.label, group.count, group.open_count) == ("Paid wifi", 3, 2)


def test_word_forms_meet_and_function_words_are_dropped():
    assert "wifi" in topic_words(WIFI_PAY)
    assert "should" not in topic_words(WIFI).values()
    russian = topic_words(WAIT_RU)
    assert "проблем" in russian  # "проблему" and "проблема" share one stem
    assert "sberbank" not in russian.values()  # handles are not topics


def test_the_page_highlights_problems_without_improvement(world, login, complaints):
    page = login(world.viewer).get(reverse("improvements:chronic"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-label="Checkout"' in html and "No improvement yet" in html
    assert 'class="chronic-group unanswered"' in html


def test_the_page_shows_no_other_organizations_complaints(world, login, complaints):
    html = login(world.stranger).get(reverse("improvements:chronic")).content.decode()
    assert "Main Street" not in html and "wifi" not in html
