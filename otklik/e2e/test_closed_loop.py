"""The whole loop in a real browser: a QR answer becomes a case that is thanked, fixed and reported."""

import pytest
from django.core import mail

from otklik.demo.datasets import AIRLINES, datasets_dir
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver_due
from otklik.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


def a_real_complaint() -> str:
    """The first negative airline tweet with a reason: real text, never invented."""
    path = AIRLINES.path(datasets_dir())
    if not path.exists():
        pytest.skip(f"dataset missing: {path}")
    return next(row.text for row in AIRLINES.reader(path) if row.sentiment == "negative")


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_a_low_score_is_thanked_fixed_and_reported(live_server, page, world):
    complaint = a_real_complaint()
    base = live_server.url

    # A customer scans the QR code at the checkout and answers 3 of 10.
    page.goto(f"{base}/s/{world.nps.public_key}/{world.checkout.public_key}/")
    page.check("input[name=score][value='3']", force=True)
    page.fill("#comment", complaint)
    page.click("summary")
    page.fill("#name", "Customer One")
    page.fill("#email", "customer@example.org")
    page.check("#contact_consent")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/thanks/" in url)
    assert page.locator("h1").inner_text() == "Thank you for your answer!"

    # The responsible employee logs in and finds the case.
    log_in(page, base, world.employee.username)
    page.goto(f"{base}/cases/")
    page.click(f"text={complaint[:40]}")
    page.wait_for_selector("#next-step")
    assert complaint in page.inner_text("body")

    # The automatic thank-you took the first step; the other four.
    assert page.inner_text("#case-thanked").startswith("✔ E-mail")
    page.fill("#form-apologize textarea[name=apology]", "We are sorry for the wait.")
    page.fill("#form-apologize input[name=compensation]", "A voucher")
    page.click("text=Save apology")
    page.fill("#form-promise textarea[name=fix_promise]", "A second desk at peak hours.")
    page.fill("#form-promise input[name=planned_fix_date]", "2026-12-15")
    page.click("text=Promise the fix")
    page.fill("#form-fix textarea[name=fix_description]", "A second desk now opens at peak hours.")
    page.click("text=Record the fix")
    page.select_option("#form-report select[name=via]", "email")
    page.fill("#form-report textarea[name=cause]", "One desk for the whole evening rush.")
    page.fill("#form-report textarea[name=action_taken]", "A second desk now opens at peak hours.")
    page.click("text=Send the report and resolve")
    page.wait_for_selector("#case-reported")
    assert page.locator("#next-step").count() == 0

    # The worker delivers what the loop queued; a second sweep sends nothing again.
    outbox_deliver_due()
    assert outbox_deliver_due() == 0
    to_customer = [m for m in mail.outbox if m.to == ["customer@example.org"]]
    assert len(to_customer) == 2
    assert "A second desk now opens at peak hours." in to_customer[1].body
    assert [m.to for m in mail.outbox].count([world.employee.email]) == 1  # the alert

    # The manager sees both customer e-mails in the outbox, sent.
    page.click("text=Log out")
    log_in(page, base, world.manager.username)
    page.goto(f"{base}/outbox/")
    for kind in ["case_thank_you", "case_report"]:
        message = OutboxMessage.objects.get(kind=kind)
        assert message.status == OutboxStatus.SENT
        row = page.locator(f"#message-{message.pk}")
        assert "customer@example.org" in row.inner_text()
