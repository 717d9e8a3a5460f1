"""The metrics charts draw in a browser from the vendored Chart.js, and the report prints as one clean page."""

import os

import pytest

from otklik.dashboard.tests.helpers import utc
from otklik.dashboard.tests.metrics_helpers import bulk_answers
from otklik.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("OTKLIK_SCREENSHOTS", "")  # a folder to look at the pages in, when set


def log_in(page, live_server, user) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: "/static/" in r.url and r.status != 200 and errors.append(r.url))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    return errors


def test_the_nps_chart_draws_each_score_with_its_interval(live_server, page, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 5 + [8] * 3 + [2] * 2, at=utc(2026, 1, 5))
    bulk_answers(survey=world.nps, touchpoint=world.other_checkout, scores=[10, 2, 2], at=utc(2026, 1, 5))
    errors = log_in(page, live_server, world.manager)

    page.goto(f"{live_server.url}/metrics/?by=touchpoint")

    drawn = page.evaluate(
        "(() => { const c = document.querySelector('canvas[data-metric=nps]'); const chart = Chart.getChart(c);"
        " return [chart.data.datasets.map(d => d.data), c.getBoundingClientRect().height > 0]; })()"
    )
    assert drawn == [[[-33.3, 30.0], [[-100.0, 73.4], [-18.4, 78.4]]], True]
    assert errors == []
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "metrics.png"), full_page=True)


def test_the_report_prints_without_the_menu(live_server, page, world):
    bulk_answers(survey=world.nps, touchpoint=world.checkout, scores=[10] * 6 + [3] * 2, at=utc(2026, 11, 5))
    errors = log_in(page, live_server, world.manager)

    page.goto(f"{live_server.url}/report/?period=2026-11")
    page.emulate_media(media="print")

    assert page.locator("header.topbar").is_hidden()
    assert page.locator("form.no-print").is_hidden()
    assert page.locator("#report-nps").is_visible()
    assert errors == []
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "report-print.png"), full_page=True)
        page.pdf(path=os.path.join(SCREENSHOTS, "report-print.pdf"), format="A4")
