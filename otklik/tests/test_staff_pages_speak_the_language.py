"""Every staff page a manager or an employee can open speaks Russian and Ukrainian: no raw code, no English.

The pages are found by walking the URL patterns (a new page is checked without touching this test),
on a small organization with a case, a customer, messages, an improvement, a story and themes.
"""

import pytest
from django.conf import settings

from otklik.tests.pagewalk import english_only_words, staff_paths, staff_world, text_problems


@pytest.fixture
def filled(world):
    return staff_world(world)


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
