"""In a browser: a manager renames a discovered theme, discovers again, and the name stays; the answers no theme
holds are counted as "other", from the rollups, as a raw count finds them."""

import pytest

from otklik.insights.models import Theme, ThemeJob
from otklik.insights.other import other_answers
from otklik.insights.services import themes_discover
from otklik.insights.tests import samples
from otklik.insights.tests.helpers import add_answers
from otklik.insights.tests.test_other_answers import DUTCH
from otklik.rollups.models import OTHER_LANGUAGE, OTHER_NO_WORDS
from otklik.rollups.services import rollups_reconcile
from otklik.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_managers_rename_survives_rediscovery(live_server, page, world, run_tasks_at_once):
    rows = samples.airline_complaints(200)
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(3, r["text"]) for r in rows])
    add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(9, "👍👍👍"), (10, DUTCH), (8, "10/10")])
    theme = themes_discover(organization=world.org, k=4)[0]
    rollups_reconcile(organization=world.org)  # from now on the pages read the rollups, which tagging keeps current

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/insights/themes/{theme.pk}/")
    page.locator("#form-rename input[name=name]").fill("Our own name")
    page.locator("#form-rename button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#theme-name").inner_text() == "Our own name"

    page.goto(f"{live_server.url}/insights/")
    discover = page.locator("#discover")
    discover.locator("input[name=k]").fill("4")
    discover.get_by_role("button", name="Discover").click()
    page.wait_for_load_state()

    assert ThemeJob.objects.get(organization=world.org).status == ThemeJob.Status.DONE
    assert Theme.objects.filter(organization=world.org).count() == 4
    page.goto(f"{live_server.url}/insights/")
    raw = other_answers(organization=world.org, qs=world.org.responses.all())
    assert {r.reason: r.count for r in raw.reasons}.items() >= {OTHER_NO_WORDS: 2, OTHER_LANGUAGE: 1}.items()
    line = page.locator("#other-answers").inner_text()
    assert f"Other — answers no theme holds: {raw.count} ({raw.share}% of the answers with text)." in line
    assert "no words to place (emoji, numbers): 2" in line and "in a language we do not read: 1" in line
    page.goto(f"{live_server.url}/insights/themes/{theme.pk}/")
    assert page.locator("#theme-name").inner_text() == "Our own name"
    assert errors == []
