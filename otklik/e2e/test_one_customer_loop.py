"""Issue 17's done criterion, in a real browser: one customer, followed through the loop.

A known customer of the organization (in the CRM with another spelling of her e-mail and a phone
written differently) answers at the QR code and leaves her contacts: the answer and its case land
on her customer card, with her revenue. The automatic thank-you marks the case thanked at once.
The employee walks the case to the report, previews the e-mail, and the customer receives the
cause and the measures typed at step 5. Every user action goes through the pages; the worker's
outbox sweep is called as the worker calls it.
"""

import pytest
from django.core import mail

from otklik.cases.models import Case
from otklik.cases.tests.samples import SEAT
from otklik.customers.models import Customer
from otklik.messaging.services import outbox_deliver_due
from otklik.surveys.models import Response
from otklik.testing.factories import PASSWORD, make_customer, make_purchase

pytestmark = pytest.mark.browser

CAUSE = "The tray table hinge of seat 4C was worn out, and nobody checked the hinges."
MEASURES = "The tray of seat 4C was replaced, and every hinge on the fleet is now checked monthly."


def log_in(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_one_customer_from_a_qr_answer_to_a_report_that_says_what_was_done(live_server, page, world):
    base = live_server.url
    jane = make_customer(organization=world.org, name="Jane Roe", email="Jane.Roe@Example.org", phone="79161234567")
    make_purchase(customer=jane, amount="12500")

    # Jane scans the QR code at the checkout, complains and leaves her contacts.
    page.goto(f"{base}/s/{world.nps.public_key}/{world.checkout.public_key}/?lang=en")
    page.check("input[name=score][value='2']", force=True)
    page.fill("#comment", SEAT)
    page.click("summary")
    page.fill("#name", "Jane")
    page.fill("#email", "jane.roe@example.org")
    page.fill("#phone", "8 (916) 123-45-67")
    page.check("#contact_consent")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/thanks/" in url)

    # The answer and its case are Jane's: no stranger, no second customer.
    response = Response.objects.get(organization=world.org)
    case = Case.objects.get(response=response)
    assert response.customer == jane and case.customer == jane
    assert Customer.objects.filter(organization=world.org).count() == 1
    jane.refresh_from_db()
    assert jane.consent_email and jane.consent_sms

    # The automatic thank-you marked the case thanked, by e-mail, at once.
    assert (case.step, case.thanked_via) == ("thanked", "email")

    # The employee opens the case: thanked, with Jane's card and revenue beside it.
    log_in(page, base, world.employee)
    page.goto(f"{base}/cases/{case.pk}/")
    assert page.inner_text("#case-step") == "Thanked"
    assert page.inner_text("#case-thanked").startswith("✔ E-mail")
    assert "Jane Roe" in page.inner_text("#customer-who")
    assert "12,500.00" in page.inner_text("#who-revenue")
    page.click("#who-card-link")
    page.wait_for_selector("#customer-timeline")
    assert SEAT[:30] in page.inner_text("#customer-timeline")

    # ... and walks it to the report.
    page.goto(f"{base}/cases/{case.pk}/")
    page.fill("#form-apologize textarea[name=apology]", "We are sorry: you paid for that seat.")
    page.select_option("#form-apologize select[name=via]", "phone")
    page.click("text=Save apology")
    page.fill("#form-promise textarea[name=fix_promise]", "Seat 4C is repaired before its next flight.")
    page.fill("#form-promise input[name=planned_fix_date]", "2030-01-15")
    page.click("text=Promise the fix")
    page.fill("#form-fix textarea[name=fix_description]", MEASURES)
    page.click("text=Record the fix")
    assert page.input_value("#form-report textarea[name=action_taken]") == MEASURES
    page.select_option("#form-report select[name=via]", "email")
    page.fill("#form-report textarea[name=cause]", CAUSE)
    page.click("#report-preview")
    page.wait_for_selector("#form-report textarea[name=message]")
    preview = page.input_value("#form-report textarea[name=message]")
    assert CAUSE in preview and MEASURES in preview
    page.fill("#form-report textarea[name=message]", preview.replace("Dear Jane", "Dear Ms Roe"))
    page.click("text=Send the report and resolve")
    page.wait_for_selector("#case-reported")
    case.refresh_from_db()
    assert case.step == "resolved" and case.apology_via == "phone" and case.promised_at is not None

    # The worker sends what the loop queued: Jane's report carries the cause and the measures.
    outbox_deliver_due()
    to_jane = [m for m in mail.outbox if m.to == ["Jane.Roe@Example.org"]]
    assert [m.subject.startswith("What Acme Coffee changed") for m in to_jane] == [False, True]
    report = to_jane[1].body
    assert report.startswith("Dear Ms Roe") and CAUSE in report and MEASURES in report
