"""A harsh complaint with «хамло», in a real browser (issue 17 item 4, issue 13 item 8).

The customer's words are a real store review (hotline-store-reviews-uk, neg-mt-3009), cut
to its last sentences. The employee never reads the insult; the manager reads it only on
request (and the audit log says so); the public complaint book never shows it, even when
the moderator types it back into the draft.

What is not a page here: the case's five steps (tested in otklik/e2e/test_complaint_to_book.py)
are skipped by marking the case resolved directly, as the publication tests do.
"""

import pytest
from django.utils import timezone

from otklik.audit.models import AuditAction, AuditEvent
from otklik.cases.models import Case, Step
from otklik.e2e.test_complaint_to_book import log_in
from otklik.insights.tests import samples
from otklik.publication.models import BookEntry

pytestmark = pytest.mark.browser


def test_khamlo_is_masked_everywhere_and_never_published(live_server, page, world):
    base = live_server.url
    review = samples.ukrainian("neg-mt-3009")
    words = review[review.index("після чого він на мене розлютився") :]
    assert "хамло" in words

    page.goto(f"{base}/s/{world.nps.public_key}/{world.checkout.public_key}/?lang=uk")
    page.check("input[name=score][value='1']", force=True)
    page.fill("#comment", words)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/thanks/" in url)
    case = Case.objects.get(organization=world.org)

    # The employee: list and case page masked, and no way to the original.
    log_in(page, base, world.employee)
    page.goto(f"{base}/cases/")
    assert "хамло" not in page.content()
    page.goto(f"{base}/cases/{case.pk}/")
    content = page.locator("#case-content").inner_text()
    assert "нависав, х****" in content and "хамло" not in page.content()
    assert page.locator("#case-content a.original").count() == 0

    # The manager: masked too, the original one click away, and that click is audited.
    log_in(page, base, world.manager)
    page.goto(f"{base}/cases/{case.pk}/")
    assert "хамло" not in page.content()
    page.locator("#case-content a.original").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/?original=1")
    assert "нависав, хамло" in page.locator("#case-content").inner_text()
    assert AuditEvent.objects.filter(action=AuditAction.ORIGINAL_VIEWED, actor=world.manager).count() == 1

    # Resolved, proposed for the book: the draft is masked; typing the word back does not publish it.
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        step=Step.RESOLVED,
        fix_description="Кур'єра навчили ввічливості.",
        fixed_at=now,
        report_sent_at=now,
        resolved_at=now,
    )
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#form-propose button[type=submit]")
    page.wait_for_selector("#book-entry-status")
    entry = BookEntry.objects.get(case=case)
    assert "хамло" not in entry.complaint_text
    page.goto(f"{base}/publication/")
    draft = page.locator(f"#entry-{entry.pk}")
    box = draft.locator(f"textarea[name=entry-{entry.pk}-complaint_text]")
    assert "хамло" not in box.input_value()
    box.fill("Кур'єр нахамив: хамло, і все.")
    draft.locator("button[name=publish]").click()
    page.wait_for_selector("text=check the wording and publish again")
    assert BookEntry.objects.get(pk=entry.pk).status == BookEntry.Status.DRAFT
    draft = page.locator(f"#entry-{entry.pk}")
    assert "хамло" not in draft.locator(f"textarea[name=entry-{entry.pk}-complaint_text]").input_value()
    draft.locator("button[name=publish]").click()
    page.wait_for_selector(f"#entry-{entry.pk}", state="detached")
    assert BookEntry.objects.get(pk=entry.pk).status == BookEntry.Status.PUBLISHED

    public = page.context.browser.new_context(locale="uk-UA").new_page()
    public.goto(f"{base}/book/{world.org.slug}/")
    shown = public.inner_text(f"#entry-{entry.pk}")
    public.context.close()
    assert "х****" in shown and "хамло" not in shown
