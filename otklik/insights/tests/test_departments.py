"""Departments own themes (F1); their members get a weekly digest of those themes, insults masked."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from otklik.insights.models import AnswerTheme, Department, Theme
from otklik.insights.services import answers_tag, department_save, theme_assign_department, themes_discover
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers
from otklik.messaging.models import OutboxMessage
from otklik.team.digests import department_digests_due

UTC = datetime.UTC
# Wednesday 4 February 2015: the digest of that week reports on Monday 26 January – Sunday 1 February.
WEDNESDAY = datetime.datetime(2015, 2, 4, 12, 0, tzinfo=UTC)
LAST_WEEK = datetime.datetime(2015, 1, 28, 10, 0, tzinfo=UTC)
BAG_LOST_NO_HELP = "569568158584950787"
SHIT_TOGETHER = "567849520781893632"  # "... Get your shit together."


def test_a_department_has_a_unique_name_and_members_of_the_organization_only(world):
    service = department_save(organization=world.org, name="Customer service", members=[world.employee])
    assert list(service.members.all()) == [world.employee]
    with pytest.raises(ValidationError):
        department_save(organization=world.org, name="customer service ", members=[])
    with pytest.raises(ValidationError):
        department_save(organization=world.org, name="Baggage", members=[world.stranger])
    with pytest.raises(ValidationError):
        department_save(organization=world.org, name="  ", members=[])
    assert Department.objects.filter(organization=world.org).count() == 1


def test_a_theme_goes_only_to_a_department_of_its_organization(world):
    theme = Theme.objects.create(organization=world.org, name="Luggage")
    theirs = department_save(organization=world.other_org, name="Baggage", members=[world.stranger])
    with pytest.raises(ValidationError):
        theme_assign_department(theme=theme, department=theirs)
    ours = department_save(organization=world.org, name="Baggage", members=[])
    theme_assign_department(theme=theme, department=ours)
    theme.refresh_from_db()
    assert theme.department == ours and theme.is_manual


def test_an_assigned_theme_survives_rediscovery(world):
    rows = samples.airline_complaints(150)
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(3, r["text"]) for r in rows])
    first = themes_discover(organization=world.org, k=4)[0]
    department = department_save(organization=world.org, name="Baggage", members=[])
    theme_assign_department(theme=first, department=department)
    themes_discover(organization=world.org, k=4)
    assert Theme.objects.get(pk=first.pk).department == department


@pytest.fixture
def luggage_department(world):
    theme = make_theme(world.org, "Luggage", ["bag"])
    department = department_save(organization=world.org, name="Baggage", members=[world.manager, world.employee])
    theme_assign_department(theme=theme, department=department)
    bag, rude = samples.airline(BAG_LOST_NO_HELP), samples.airline(SHIT_TOGETHER)
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(1, f"{rude} And my bag is lost.", LAST_WEEK), (2, bag, LAST_WEEK), (9, "bag on time", WEDNESDAY)],
    )
    add_answers(world_touchpoint=world.other_checkout, survey=world.nps, answers=[(0, bag, LAST_WEEK)])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    return theme, department, answers


def digests(user) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="themes_digest", recipient=user.email))


def test_members_get_last_weeks_answers_on_their_themes_with_insults_masked(world, luggage_department):
    theme, _department, answers = luggage_department
    assert department_digests_due(now=WEDNESDAY) == 2
    [message] = digests(world.manager)
    assert "Baggage" in message.subject
    assert "Luggage: 3 answers, 3 of them from detractors." in message.body
    assert "Get your s*** together. And my bag is lost." in message.body
    assert "shit" not in message.body
    assert f"/answers/{answers[0].pk}/" in message.body and f"/insights/themes/{theme.pk}/" in message.body
    assert "bag on time" not in message.body  # this week's answer waits for next week's digest


def test_an_employee_reads_only_the_answers_of_their_locations(world, luggage_department):
    department_digests_due(now=WEDNESDAY)
    [message] = digests(world.employee)
    assert "Luggage: 2 answers" in message.body
    assert "Airport" not in message.body


def test_the_digest_goes_once_a_week(world, luggage_department):
    assert department_digests_due(now=WEDNESDAY) == 2
    assert department_digests_due(now=WEDNESDAY + datetime.timedelta(days=1)) == 0
    assert OutboxMessage.objects.filter(kind="themes_digest").count() == 2
    # The next week has its own digest (about the Wednesday answer).
    assert department_digests_due(now=WEDNESDAY + datetime.timedelta(days=7)) == 2


def test_nothing_is_sent_before_monday_morning_or_about_a_quiet_week(world, luggage_department):
    monday_early = datetime.datetime(2015, 2, 2, 6, 0, tzinfo=UTC)
    assert department_digests_due(now=monday_early) == 0
    AnswerTheme.objects.all().delete()
    assert department_digests_due(now=WEDNESDAY) == 0
    assert not OutboxMessage.objects.filter(kind="themes_digest").exists()


def test_a_person_who_left_the_organization_gets_no_digest(world, luggage_department):
    world.employee.memberships.all().delete()
    assert department_digests_due(now=WEDNESDAY) == 1
    assert not digests(world.employee)


def test_the_digest_masks_the_organizations_own_words_too(world, luggage_department):
    from otklik.insights.services import profanity_word_add

    profanity_word_add(organization=world.org, word="bag")  # a word of this organization, every form
    department_digests_due(now=WEDNESDAY)
    [message] = digests(world.employee)
    assert "bag" not in message.body.split("Luggage")[1].replace("/", " ").split() and "b**" in message.body
