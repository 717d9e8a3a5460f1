"""The charts really draw in a browser, from the vendored Chart.js, without errors."""

import pytest

from otklik.dashboard.tests.helpers import answer, utc
from otklik.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_draws_a_chart_for_each_table(live_server, page, world):  # noqa: F811
    for month, score in [(1, 10), (1, 3), (2, 9)]:
        answer(survey=world.nps, touchpoint=world.checkout, score=score, at=utc(2026, month, 10))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: "/static/dashboard/" in r.url and r.status != 200 and errors.append(r.url))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => [c.dataset.series, Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data : null,"
        " c.getBoundingClientRect().height > 0])"
    )
    assert drawn == [["by_touchpoint", [33.3], True], ["by_month", [0, 100], True]]
    assert errors == []
