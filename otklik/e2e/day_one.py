"""Steps shared by the day-one tests (the live server alone, and nginx over https in front of it)."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from otklik.demo.datasets import AIRLINES, datasets_dir
from otklik.testing import factories


def two_real_complaints() -> list[str]:
    """The first two negative airline tweets: real text, never invented."""
    path = AIRLINES.path(datasets_dir())
    if not path.exists():
        pytest.skip(f"dataset missing: {path}")
    complaints = (row.text for row in AIRLINES.reader(path) if row.sentiment == "negative")
    return [next(complaints), next(complaints)]


def create_russian_shop() -> str:
    """`otklik org create` for a Russian shop; returns the printed link where the owner sets a password."""
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
    return re.search(r"https?://\S+/account/setup/\S+/", out.getvalue()).group(0)


def set_password(page, link: str, password: str) -> None:
    page.goto(link)
    page.fill("input[name=new_password1]", password)
    page.fill("input[name=new_password2]", password)
    page.click("#form-password-set button[type=submit]")
    page.wait_for_url(lambda url: "/login/" in url)


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
    """Invite from the team page; returns the link in the e-mail sent."""
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


def a_case_in_each_of_two_stores(*, organization) -> tuple[list[str], list]:
    """Stores Tverskaya and Arbat, each with a real complaint that opened a case; the complaints and answers."""
    survey = factories.make_survey(organization=organization)
    complaints, answers = two_real_complaints(), []
    for name, complaint in zip(["Tverskaya", "Arbat"], complaints, strict=True):
        store = factories.make_location(organization=organization, name=name)
        answers.append(
            factories.make_response(
                survey=survey, touchpoint=factories.make_touchpoint(location=store), score=2, comment=complaint
            )
        )
    return complaints, answers
