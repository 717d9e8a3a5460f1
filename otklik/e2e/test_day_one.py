"""Day one in a real browser: a Russian shop is set up from nothing, its team joins, each sees their part."""

import pytest

from otklik.accounts.models import Organization
from otklik.cases.models import Case
from otklik.e2e.day_one import (
    a_case_in_each_of_two_stores,
    create_russian_shop,
    invite,
    join,
    log_in,
    log_out,
    set_password,
)

pytestmark = pytest.mark.browser


def test_a_shop_is_set_up_and_its_team_joins(live_server, page):
    base = live_server.url
    link = create_russian_shop()
    assert link.startswith("http://")
    link = link.replace("http://127.0.0.1:8000", base)

    # Two stores, each with a complaint that opened a case.
    organization = Organization.objects.get(slug="romashka")
    complaints, _ = a_case_in_each_of_two_stores(organization=organization)
    assert Case.objects.filter(organization=organization).count() == 2

    # The owner sets a password through the printed link, then logs in.
    set_password(page, link, "sunflower-field-71")
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
