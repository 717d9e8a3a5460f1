"""Every staff page a manager or an employee can open speaks Russian and Ukrainian: no raw code, no English.

The pages are found by walking the URL patterns (a new page is checked without touching this test),
on a small organization with a case, a customer, messages, an improvement, a story and themes.
"""

import pytest
from django.conf import settings

from otklik.accounts.models import Organization
from otklik.customers.models import Tag
from otklik.improvements.services import improvement_create
from otklik.insights.services import themes_discover
from otklik.messaging.models import OutboxMessage
from otklik.publication.services import story_create
from otklik.surveys.tests.texts import RU_COMPLAINT
from otklik.testing.factories import make_customer, make_response
from otklik.tests.pagewalk import english_only_words, staff_paths, text_problems

# sentirueval2016-ru/tweets.csv, tweet 626775414493590000 (sberbank, negative).
RU_STAFF = (
    "@sberbank о чем? О регулярно не работающих банкоматах, сотрудниках хамах и систематическими вашими "
    "косяками в обслуживании?"
)


@pytest.fixture
def filled(world):
    """The world with Russian-speaking data behind every kind of page."""
    Organization.objects.filter(pk=world.org.pk).update(name="Отклик Кофе", default_language="ru")
    world.org.refresh_from_db()
    world.store.name = "Тверская"
    world.store.save()
    customer = make_customer(
        organization=world.org, name="Мария Смирнова", email="maria@example.org", consent_email=True
    )
    tag = Tag.objects.create(organization=world.org, name="ВИП")
    customer.tags.add(tag)
    first = make_response(
        survey=world.nps, touchpoint=world.checkout, score=1, comment=RU_COMPLAINT, language="ru",
        customer_name="Мария Смирнова", customer_email="maria@example.org",
    )
    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=RU_STAFF, language="ru")
    make_response(survey=world.nps, touchpoint=world.checkout, score=10, comment="", language="ru")
    case = first.case
    improvement = improvement_create(organization=world.org, title="Починить личный кабинет")
    story, _findings = story_create(
        organization=world.org, by=world.manager, title="Личный кабинет", you_said="Не работает", we_did="Починили",
        cases=[case],
    )
    themes = themes_discover(organization=world.org)
    message = OutboxMessage.objects.filter(organization=world.org).order_by("pk").first()
    return {
        "survey_id": world.nps.pk,
        "touchpoint_id": world.checkout.pk,
        "survey_key": world.nps.public_key,
        "touchpoint_key": world.checkout.public_key,
        "case_id": case.pk,
        "message_id": message.pk if message else 0,
        "kind": "case_thank_you",
        "language": "ru",
        "improvement_id": improvement.pk,
        "story_id": story.pk,
        "org_slug": world.org.slug,
        "customer_id": customer.pk,
        "tag_id": tag.pk,
        "response_id": first.pk,
        "theme_id": themes[0].pk if themes else 0,
    }


def problems_on_pages(client, paths, language: str) -> dict[str, list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    english = english_only_words()
    found, opened = {}, 0
    for path in paths:
        page = client.get(path)
        if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
            continue
        opened += 1
        problems = text_problems(page.content.decode(), english=english)
        if problems:
            found[path] = problems
    assert opened > 20, f"only {opened} pages opened"
    return found


@pytest.mark.parametrize("language", ["ru", "uk"])
@pytest.mark.parametrize("role", ["manager", "employee"])
def test_no_staff_page_shows_a_raw_code_or_english(client, world, filled, language, role):
    client.force_login(getattr(world, role))
    assert problems_on_pages(client, staff_paths(filled), language) == {}


def test_the_check_finds_a_code_and_an_english_leftover():
    english = english_only_words()
    html = "<p>case_alert</p><p>Postponed: quiet hours.</p><p>Отложено</p><p>NPS</p>"
    assert text_problems(html, english=english) == [
        "code 'case_alert' in 'case_alert'",
        "English 'Postponed: quiet hours.'",
    ]
    assert text_problems("<p>Столбцы: customer_name, received_at</p><code>case_alert</code>", english=english) == []
