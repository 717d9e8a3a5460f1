"""The product letter of seed 002, on a phone: sent from the manual queue, its four questions answered.

A manager sends the prepared letter for a purchase as is from /outreach/queue/; the customer opens
the personal link on a 390×844 screen, gives a grade and answers what to fix, what to add and what
they liked, in Ukrainian; every answer is stored and shown on the answer page.
"""

import re

import pytest
from django.utils import timezone

from otklik.customers.models import Product
from otklik.customers.services import customers_upsert, product_update, products_upsert
from otklik.intake.purchases import purchases_receive
from otklik.messaging.models import OutboxMessage
from otklik.outreach.models import ScheduledInvitation
from otklik.surveys.models import Response
from otklik.surveys.tests.texts import UK_PRODUCT_ADD, UK_PRODUCT_FIX, UK_PRODUCT_LIKED, UK_PRODUCT_NAME
from otklik.testing.factories import PASSWORD, make_survey

pytestmark = pytest.mark.browser


def test_a_customer_answers_the_product_letters_four_questions_on_a_phone(live_server, browser, page, world, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    letter = make_survey(organization=world.org, kind="product_letter")
    products_upsert(
        organization=world.org,
        records=[
            {"external_id": "DELTA3", "name": UK_PRODUCT_NAME, "evaluation_delay_days": 30, "evaluation_mode": "manual"}
        ],
    )
    product = Product.objects.get(organization=world.org, external_id="DELTA3")
    product_update(product=product, evaluation_delay_days=30, evaluation_mode="manual", survey=letter)
    customers_upsert(
        organization=world.org,
        records=[
            {
                "external_id": "C-7",
                "name": "Оксана",
                "email": "oksana@example.org",
                "language": "uk",
                "consent_email": "так",
            }
        ],
    )
    purchases_receive(
        organization=world.org,
        records=[
            {
                "external_id": "P-7",
                "purchased_at": timezone.localdate().strftime("%d.%m.%Y"),
                "customer_external_id": "C-7",
                "product_external_id": "DELTA3",
                "amount": "38999",
                "location": world.store.name,
            }
        ],
    )
    scheduled = ScheduledInvitation.objects.get(purchase__external_id="P-7")

    # The manager picks today in the manual queue and sends the prepared letter as is.
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/outreach/queue/")
    page.fill(f"#day-{scheduled.pk}", timezone.localdate().isoformat())
    page.click(f"#date-form-{scheduled.pk} button[type=submit]")
    page.click(f"#send-{scheduled.pk}")
    page.wait_for_load_state()
    message = OutboxMessage.objects.get(recipient="oksana@example.org")
    # The letter of seed 002, in her language, naming the product.
    assert "Які недоліки потрібно усунути? Що потрібно додати?" in message.body
    assert UK_PRODUCT_NAME in message.subject
    link = re.search(r"http://\S+/i/[\w-]+/", message.body).group(0)

    # Oksana opens the link on her phone: one page, four questions, in her language.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="uk-UA", is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    try:
        mobile.goto(link)
        body = mobile.inner_text("main")
        assert "Яку оцінку ви їй поставите?" in body
        assert "Які недоліки потрібно усунути?" in body
        assert "Що потрібно додати?" in body
        assert "Що вам особливо сподобалося?" in body
        assert UK_PRODUCT_NAME in mobile.inner_text("#product")
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        mobile.click("input[name=score][value='5'] + span")
        mobile.fill("#comment", UK_PRODUCT_FIX)
        add_field, liked_field = mobile.locator("textarea[name^=q]").all()
        add_field.fill(UK_PRODUCT_ADD)
        liked_field.fill(UK_PRODUCT_LIKED)
        mobile.click("button[type=submit]")
        mobile.wait_for_url(lambda url: "/thanks/" in url)
    finally:
        phone.close()

    response = Response.objects.get(invitation__token=link.rstrip("/").rsplit("/", 1)[-1])
    assert (response.score, response.comment, response.language) == (5, UK_PRODUCT_FIX, "uk")
    assert [(a.label, a.text) for a in response.answers.all()] == [
        ("Що потрібно додати?", UK_PRODUCT_ADD),
        ("Що вам особливо сподобалося?", UK_PRODUCT_LIKED),
    ]
    assert response.purchase.product == product

    # The manager sees all four answers on the answer page.
    page.goto(f"{base}/answers/{response.pk}/")
    shown = page.inner_text("#answer")
    for text in (UK_PRODUCT_FIX, UK_PRODUCT_ADD, UK_PRODUCT_LIKED, "Що потрібно додати?"):
        assert text in shown
    assert page.inner_text("#answer-score") == "5"
