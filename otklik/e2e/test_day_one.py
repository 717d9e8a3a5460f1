"""Day one in a real browser: a Russian shop is set up from nothing, its team joins, each sees their part."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from otklik.accounts.models import Organization
from otklik.cases.models import Case
from otklik.demo.datasets import AIRLINES, datasets_dir
from otklik.testing import factories

pytestmark = pytest.mark.browser


def two_real_complaints() -> list[str]:
    """The first two negative airline tweets: real text, never invented."""
    path = AIRLINES.path(datasets_dir())
    if not path.exists():
        pytest.skip(f"dataset missing: {path}")
    complaints = (row.text for row in AIRLINES.reader(path) if row.sentiment == "negative")
    return [next(complaints), next(complaints)]


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_out(page) -> None:
    page.click("header button:has-text('Log out')")
    page.wait_for_url(lambda url: "/login/" in url)


def invite(page, base: str, email: str, role: str, store: str = "") -> str:
    page.goto(f"{base}/team/")
    page.fill("#form-invite input[name=email]", email)
    page.select_option("#form-invite select[name=role]", role)
    if store:
        page.check(f"#form-invite label:has-text('{store}') input")
    page.click("#form-invite button[type=submit]")
    page.wait_for_selector(f"#invitations td:has-text('{email}')")
    return re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0)


def join(page, link: str, username: str, password: str) -> None:
    page.goto(link)
    page.fill("#form-join input[name=username]", username)
    page.fill("#form-join input[name=password1]", password)
    page.fill("#form-join input[name=password2]", password)
    page.click("#form-join button[type=submit]")
    page.wait_for_selector("header .who")


def test_a_shop_is_set_up_and_its_team_joins(live_server, page):
    base = live_server.url
    out = StringIO()
    call_command(
        "org",
        "create",
        name="Ромашка",
        slug="romashka",
        owner_email="owner@romashka.example",
        language="ru",
        time_zone="Europe/Moscow",
        currency="RUB",
        stdout=out,
    )
    link = re.search(r"http://\S+/account/setup/\S+/", out.getvalue()).group(0)
    link = link.replace("http://127.0.0.1:8000", base)

    # Two stores, each with a complaint that opened a case.
    organization = Organization.objects.get(slug="romashka")
    survey = factories.make_survey(organization=organization)
    complaints = two_real_complaints()
    for name, complaint in zip(["Tverskaya", "Arbat"], complaints, strict=True):
        store = factories.make_location(organization=organization, name=name)
        factories.make_response(
            survey=survey, touchpoint=factories.make_touchpoint(location=store), score=2, comment=complaint
        )
    assert Case.objects.filter(organization=organization).count() == 2

    # The owner sets a password through the printed link, then logs in.
    page.goto(link)
    page.fill("input[name=new_password1]", "sunflower-field-71")
    page.fill("input[name=new_password2]", "sunflower-field-71")
    page.click("#form-password-set button[type=submit]")
    page.wait_for_url(lambda url: "/login/" in url)
    log_in(page, base, "owner@romashka.example", "sunflower-field-71")

    # The owner invites a manager and an employee bound to one store.
    manager_link = invite(page, base, "manager@romashka.example", "manager")
    employee_link = invite(page, base, "cashier@romashka.example", "employee", store="Tverskaya")
    log_out(page)

    # Each accepts, then logs in with the password they chose.
    join(page, manager_link, "marina", "lilac-harbour-22")
    log_out(page)
    log_in(page, base, "marina", "lilac-harbour-22")
    page.goto(f"{base}/cases/")
    for complaint in complaints:
        assert complaint[:40] in page.inner_text("main")
    log_out(page)

    join(page, employee_link, "kassir", "amber-window-64")
    log_out(page)
    log_in(page, base, "kassir", "amber-window-64")

    # The employee sees only their store's case.
    page.goto(f"{base}/cases/")
    cases = page.inner_text("main")
    assert complaints[0][:40] in cases
    assert complaints[1][:40] not in cases
    assert page.locator("#nav-settings a:has-text('Team')").count() == 0
