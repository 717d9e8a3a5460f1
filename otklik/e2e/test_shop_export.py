"""A real shop's sales export, imported right (issue 12's "Done means").

A manager uploads through /imports/ an order-lines file with every quirk of a retailer's
export (English camel-case headers, US dates, C-numbered cancellations with negative
quantities, lines without a customer or with "NA", several lines per order, a second
currency) and a 1C CommerceML orders file; the customer's card shows their orders and net
revenue per currency, and the cancelled order is never asked about. The same file through
`otklik import purchases FILE --org SLUG`, with no mapping flags, gives the same figures,
and so does `GET /api/customers/{external_id}`.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import Role
from otklik.accounts.services import api_token_create
from otklik.customers.models import Customer, Purchase
from otklik.imports.tests.exports import COMMERCEML_ORDERS, ONLINE_RETAIL
from otklik.outreach.models import ScheduledInvitation
from otklik.testing import factories
from otklik.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

HEADER = [*ONLINE_RETAIL, "Currency"]  # InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, …


def us_date(day) -> str:
    """As the retailer writes it: month/day/year, no leading zeros, hours and minutes."""
    return f"{day.month}/{day.day}/{day.year} 8:26"


def order_lines() -> str:
    """Customer 17850's three orders (two in GBP, one in EUR) and a cancellation; others' and anonymous lines.

    Dated in the last days, so that completed orders are asked about; one of the days is past
    the 12th, which tells the column is month/day/year.
    """
    today = timezone.localdate()
    past_12th = next(today - timedelta(days=n) for n in range(2, 40) if (today - timedelta(days=n)).day > 12)
    first, second, third = (us_date(today - timedelta(days=n)) for n in (3, 2, 1))
    uk, hanger = "United Kingdom", "CREAM CUPID HEARTS COAT HANGER"
    rows = [
        # Lines of one order (the currency column empty: the organization's, GBP).
        ["900001", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", us_date(past_12th), "2.55", "17850", uk, ""],
        ["900001", "71053", "WHITE METAL LANTERN", "6", us_date(past_12th), "3.39", "17850", "United Kingdom", ""],
        ["900001", "84406B", hanger, "8", us_date(past_12th), "2.75", "17850", uk, ""],
        ["900002", "22633", "HAND WARMER UNION JACK", "6", first, "1.85", "17850", "France", "EUR"],
        ["900003", "22728", "ALARM CLOCK BAKELIKE PINK", "24", second, "3.75", "17850", "United Kingdom", "GBP"],
        ["900003", "22727", "ALARM CLOCK BAKELIKE RED", "2", second, "3.75", "17850", "United Kingdom", "GBP"],
        # The cancelling invoice: takes 5.10 back and is never asked about.
        ["C900004", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "-2", third, "2.55", "17850", "United Kingdom", ""],
        ["900005", "84879", "ASSORTED COLOUR BIRD ORNAMENT", "32", second, "1.69", "13047", "United Kingdom", ""],
        ["900006", "22633", "HAND WARMER UNION JACK", "6", second, "1.85", "NA", "United Kingdom", ""],
        ["900007", "22728", "ALARM CLOCK BAKELIKE PINK", "1", third, "3.75", "", "United Kingdom", ""],
        ["900007", "71053", "WHITE METAL LANTERN", "1", third, "3.39", "", "United Kingdom", ""],
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue()


# 17850: 900001 (15.30 + 20.34 + 22.00) and 900003 (90.00 + 7.50) in GBP, less the cancelled 5.10; 900002 in EUR.
ORDERS, GBP, EUR = 3, Decimal("150.04"), Decimal("11.10")


@pytest.fixture
def tasks_at_once(settings):
    # The file check and the import run at once, as a worker would run them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(page, base: str, name: str, mime: str, content: bytes) -> str:
    page.goto(f"{base}/imports/")
    page.select_option("#form-import-upload select[name=kind]", "purchases")
    page.set_input_files(
        "#form-import-upload input[type=file]", files=[{"name": name, "mimeType": mime, "buffer": content}]
    )
    page.click("#form-import-upload button[type=submit]")
    page.wait_for_selector("#form-import-mapping")
    return page.url


def accept_and_import(page) -> None:
    """The mapping step: the guess stands; rows without a customer become orders without one."""
    if page.locator("#import-without-customer").count():
        # A radio button is a small circle beside its words, not one stretched to the width of the form.
        for radio in page.locator("#import-without-customer input[type=radio]").all():
            assert radio.bounding_box()["width"] < 30
        page.check("#import-without-customer input[value=anonymous]")
    page.click("#import-check-run")
    page.wait_for_selector("#import-ok")
    page.click("#import-run")
    page.wait_for_selector("#import-done")


def test_a_shops_export_gives_the_right_orders_and_revenue_in_the_browser_the_command_and_the_api(
    live_server, page, world, tasks_at_once, tmp_path
):
    base = live_server.url
    world.org.currency = "GBP"
    world.org.time_zone = "UTC"
    world.org.save()
    text = order_lines()

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    upload(page, base, "Online Retail.csv", "text/csv", text.encode())
    # Every column is guessed from the English camel-case header, the currency from its column.
    columns = page.inner_text("#import-columns")
    assert "InvoiceNo" in columns and "CustomerID" in columns
    assert "Currency" in page.inner_text("#import-currency")
    accept_and_import(page)
    assert "3 rows without a customer" in page.inner_text("#import-anonymous")  # "NA" and the empty ones

    upload(page, base, "orders.xml", "application/xml", COMMERCEML_ORDERS.encode("cp1251"))
    assert "CommerceML" in page.inner_text("main")
    accept_and_import(page)

    # The customer's card: three orders (not seven lines, not the cancellation), net revenue per currency.
    customer = Customer.objects.get(organization=world.org, external_id="17850")
    page.goto(f"{base}/customers/{customer.pk}/")
    assert page.inner_text("#who-purchases").split()[0] == str(ORDERS)
    revenue = page.inner_text("#who-revenue")
    assert revenue.startswith(f"{GBP} GBP")
    assert page.inner_text("#who-revenue .other-revenue[data-currency=EUR]") == f"{EUR} EUR"
    assert "C900004" in page.inner_text("#customer-purchases")

    # One invitation per completed order, none for the cancelled one.
    invited = set(
        ScheduledInvitation.objects.filter(organization=world.org).values_list("purchase__external_id", flat=True)
    )
    assert {"900001", "900002", "900003", "900005"} <= invited
    assert not ScheduledInvitation.objects.filter(
        purchase__organization=world.org, purchase__external_id="C900004"
    ).exists()
    # "NA" is nobody: those lines are orders without a customer.
    assert not Customer.objects.filter(organization=world.org, external_id="NA").exists()
    assert Purchase.objects.filter(organization=world.org, customer=None).count() == 2
    # The 1C orders: Anna's delivered order is hers; Oleg's cancelled one counts for nothing.
    assert Purchase.objects.get(organization=world.org, external_id="1001").customer.external_id == "c-17"

    # The same file through the command into a fresh organization, no mapping flags: the same orders.
    fresh = factories.make_organization(name="Fresh Shop", slug="fresh-shop")
    fresh.currency, fresh.time_zone = "GBP", "UTC"
    fresh.save()
    path = tmp_path / "Online Retail.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import", "purchases", str(path), "--org", fresh.slug, stdout=io.StringIO())

    def figures(organization) -> list[tuple]:
        return sorted(
            Purchase.objects.filter(organization=organization, external_id__regex=r"^C?9").values_list(
                "external_id", "customer__external_id", "status", "amount", "currency", "lines__line_no"
            )
        )

    assert figures(fresh) == figures(world.org)

    # The API tells the same: orders (returns not counted) and net revenue in its currency.
    manager = factories.make_user(organization=fresh, role=Role.MANAGER)
    token = api_token_create(organization=fresh, user=manager)
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/customers/17850")
    assert answer.status_code == 200, answer.content
    purchases = answer.json()["purchases"]
    assert (purchases["count"], Decimal(str(purchases["revenue"])), purchases["currency"]) == (ORDERS, GBP, "GBP")
    by_currency = {item["currency"]: Decimal(str(item["revenue"])) for item in purchases["by_currency"]}
    assert by_currency == {"GBP": GBP, "EUR": EUR}
