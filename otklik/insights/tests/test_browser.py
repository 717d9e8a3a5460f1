"""In a browser: the dashboard's loyalty factors, a theme's chart, a harsh complaint masked with its point kept."""

import datetime

import pytest

from otklik.insights.services import answers_tag
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers
from otklik.intake.complaints import complaint_open_for_answer
from otklik.surveys.models import Response
from otklik.testing.factories import PASSWORD, make_customer, make_purchase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAG_LOST_NO_HELP = "569568158584950787"
SHIT_TOGETHER = "567849520781893632"  # "... Why is it taking 12 years to fly home to Dallas? Get your shit together."


def test_a_manager_follows_a_loyalty_factor_to_a_harsh_complaint(live_server, page, world):
    bag = samples.airline(BAG_LOST_NO_HELP)
    harsh = samples.airline(SHIT_TOGETHER) + " My bag is lost too."
    months = [datetime.datetime(2015, month, 10, tzinfo=datetime.UTC) for month in (1, 2, 2)]
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(2, bag, months[0]), (3, bag, months[1]), (1, harsh, months[2])],
    )
    # The harsh complainer is a customer of twenty years who brings most of the revenue (seed 000).
    regular, newcomer = make_customer(organization=world.org), make_customer(organization=world.org)
    make_purchase(customer=regular, amount="90000", purchased_at=datetime.datetime(2005, 3, 1, tzinfo=datetime.UTC))
    make_purchase(customer=newcomer, amount="10000")
    Response.objects.filter(pk=answers[2].pk).update(customer=regular)
    answers[2].refresh_from_db()
    theme = make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=answers)
    case = complaint_open_for_answer(response=answers[2], notify=False)

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    card = page.locator("#loyalty-factors")
    assert "Luggage" in card.inner_text() and "+100.0" in card.inner_text()
    card.get_by_role("link", name="Luggage").click()
    page.wait_for_url(f"{live_server.url}/insights/themes/{theme.pk}/")
    drawn = page.evaluate("Chart.getChart(document.querySelector('canvas[data-insights-chart]')).data.datasets[0].data")
    assert drawn == [100, 100]

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    content = page.locator("#case-content")
    assert "Get your s*** together. My bag is lost too." in content.inner_text()
    assert not page.get_by_text("Get your shit together.").is_visible()
    content.get_by_text("Show original").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/?original=1")  # asked for, and recorded in the audit log
    assert page.get_by_text("Get your shit together.").first.is_visible()
    panel = page.locator("#representativeness")
    assert "Luggage" in panel.inner_text() and "Too few answers at this location to tell" in panel.inner_text()
    who = page.locator("#customer-who").inner_text()
    assert "90,000.00" in who and "90.00 % of the organization's revenue" in who and "2005" in who
    assert errors == []
