"""Issue 11's "Done means" for real: day one of a Russian shop through nginx over https, in Chromium.

`otklik org create`; the owner sets a password through the printed link; a manager and an employee bound
to one store are invited, accept and log in; the employee sees only their store's case; a customer's data
is exported and then erased. Every page goes through deploy/nginx/otklik.conf with TLS.
"""

import io
import json
import zipfile

import pytest

from otklik.accounts.models import Organization
from otklik.audit.models import AuditAction, AuditEvent
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
from otklik.surveys.models import Response
from otklik.testing import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def https_page(nginx, browser, settings):
    """A browser page that trusts the self-signed certificate; Otklik told that nginx's https origin is its site."""
    settings.SITE_URL = nginx.https_url
    settings.CSRF_TRUSTED_ORIGINS = [nginx.https_url]
    context = browser.new_context(locale="en-US", ignore_https_errors=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_day_one_of_a_russian_shop_through_nginx_over_https(nginx, https_page):
    page, base = https_page, nginx.https_url
    link = create_russian_shop()
    assert link.startswith(f"{base}/account/setup/")  # the site URL is the proxy's https origin

    organization = Organization.objects.get(slug="romashka")
    assert (organization.default_language, organization.time_zone, organization.currency) == (
        "ru",
        "Europe/Moscow",
        "RUB",
    )
    complaints, answers = a_case_in_each_of_two_stores(organization=organization)
    customer = factories.make_customer(
        organization=organization, name="Анна Петрова", email="anna@example.com", phone="79161234567"
    )
    Response.objects.filter(pk=answers[0].pk).update(customer=customer)
    Case.objects.filter(response=answers[0]).update(customer=customer)

    # The owner sets a password through the printed link and logs in, on a cookie kept to https.
    set_password(page, link, "sunflower-field-71")
    log_in(page, base, "owner@romashka.example", "sunflower-field-71")
    assert next(c for c in page.context.cookies() if c["name"] == "sessionid")["secure"]

    # The owner invites a manager and an employee bound to one store; the links point at the proxy.
    manager_link = invite(page, base, "manager@romashka.example", "manager")
    employee_link = invite(page, base, "cashier@romashka.example", "employee", store="Tverskaya")
    assert manager_link.startswith(f"{base}/join/") and employee_link.startswith(f"{base}/join/")
    log_out(page)

    # Each invitee accepts, then logs in through nginx with the password they chose.
    join(page, manager_link, "marina", "lilac-harbour-22")
    log_out(page)
    log_in(page, base, "marina", "lilac-harbour-22")
    page.goto(f"{base}/cases/")
    assert all(complaint[:40] in page.inner_text("main") for complaint in complaints)
    log_out(page)

    join(page, employee_link, "kassir", "amber-window-64")
    log_out(page)
    log_in(page, base, "kassir", "amber-window-64")
    page.goto(f"{base}/cases/")
    cases = page.inner_text("main")
    assert complaints[0][:40] in cases
    assert complaints[1][:40] not in cases  # Arbat is not the employee's store
    log_out(page)

    # The owner exports a customer's data, then erases it after the confirmation step.
    log_in(page, base, "owner@romashka.example", "sunflower-field-71")
    page.goto(f"{base}/customers/{customer.pk}/")
    page.check("#customer-export-form input[name=confirm]")
    with page.expect_download() as download:
        page.click("#customer-export-form button[type=submit]")
    assert download.value.suggested_filename == f"otklik-customer-{customer.pk}.zip"
    with zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())) as archive:
        files = set(archive.namelist())
        held = json.loads(archive.read("customer.json"))[0]
        words = archive.read("answers.json").decode()
    for kind in ("customer", "consents", "answers", "cases", "messages", "purchases"):
        assert {f"{kind}.json", f"{kind}.csv"} <= files
    assert (held["email"], held["phone"]) == ("anna@example.com", "79161234567")
    assert complaints[0][:40] in json.loads(words)[0]["comment"]

    page.click("#customer-erase-link")
    page.check("#customer-erase input[name=confirm]")
    page.fill("#customer-erase input[name=name]", "Анна Петрова")
    page.click("#customer-erase button[type=submit]")
    page.wait_for_selector("#customer-erased")
    assert page.inner_text("#customer-email") == "—" and page.inner_text("#customer-phone") == "—"
    assert "anna@example.com" not in page.content()
    customer.refresh_from_db()
    assert customer.erased_at is not None and (customer.name, customer.email, customer.phone) == ("", "", "")
    recorded = AuditEvent.objects.filter(organization=organization, target=f"customer #{customer.pk}")
    assert set(recorded.values_list("action", flat=True)) == {
        AuditAction.CUSTOMER_EXPORTED,
        AuditAction.CUSTOMER_ERASED,
    }
    assert f"POST /customers/{customer.pk}/erase/ HTTP/2.0" in nginx.log()  # it all went through the proxy
