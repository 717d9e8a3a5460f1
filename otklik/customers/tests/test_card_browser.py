"""In a real browser: from a complaint's case to the customer's card in one click, and a tag added there."""

import pytest

from otklik.testing.factories import PASSWORD, make_customer, make_purchase, make_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570035876845084672).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"


def test_a_manager_goes_from_the_case_to_the_customer_card_and_tags_the_customer(live_server, page, world):
    anna = make_customer(organization=world.org, name="Anna Petrova", email="anna@example.com")
    make_purchase(customer=anna, amount="1200", location=world.store)
    answer = make_response(
        survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT, customer_email="anna@example.com"
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/cases/{answer.case.pk}/")
    panel = page.locator("#customer-who")
    assert "100.00 % of the organization's revenue" in panel.inner_text()
    panel.locator("#who-card-link").click()
    page.wait_for_url(f"{live_server.url}/customers/{anna.pk}/")
    assert COMPLAINT in page.locator("#customer-timeline").inner_text()

    page.fill("#form-tag-add input[name=name]", "Wholesale")
    page.click("#form-tag-add button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/{anna.pk}/")
    assert "Wholesale" in page.locator("#customer-tags").inner_text()
    assert list(anna.tags.values_list("name", flat=True)) == ["Wholesale"]
