"""Issue 17: contacts left with an answer on the QR form link to the customer they belong to, or make one,
with the consent the customer gave; the answer and its case then show the customer panel."""

from otklik.customers.models import Customer
from otklik.intake.answers import answers_process_pending
from otklik.surveys.models import Response
from otklik.testing.factories import make_customer, make_purchase, make_response

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570035876845084672).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"
PUBLIC_FORM = "/s/{survey}/{touchpoint}/"


def post_answer(client, world, **fields):
    url = PUBLIC_FORM.format(survey=world.nps.public_key, touchpoint=world.checkout.public_key)
    # Leaving a contact needs the consent to be replied to (issue 13); `consent` is the further "ask me later".
    page = client.post(url, {"score": "2", "comment": COMPLAINT, "lang": "en", "contact_consent": "1", **fields})
    answers_process_pending()  # the worker opens the case, as it does right after the answer's commit
    return page


def test_contacts_nobody_has_make_a_new_customer_with_the_consent_given(client, world):
    assert post_answer(client, world, name="Jane Roe", email="jane@example.org", phone="8 916 123 45 67", consent="1")
    response = Response.objects.get()
    customer = response.customer
    assert (customer.organization, customer.name, customer.email, customer.phone, customer.language) == (
        world.org,
        "Jane Roe",
        "jane@example.org",
        "79161234567",
        "en",
    )
    assert customer.consent_email and customer.consent_sms
    assert response.case.customer == customer


def test_without_the_box_ticked_the_new_customer_has_no_consent_but_still_hears_back_about_the_complaint(client, world):
    post_answer(client, world, email="jane@example.org")
    response = Response.objects.get()
    assert not response.customer.consent_email
    assert response.case.messages.filter(kind="case_thank_you", recipient="jane@example.org").exists()


def test_an_existing_customer_is_found_by_e_mail_in_any_case_and_by_phone_in_any_format(client, world):
    anna = make_customer(organization=world.org, email="anna@example.com")
    boris = make_customer(organization=world.org, phone="380441234567")
    post_answer(client, world, email="ANNA@example.com")
    post_answer(client, world, phone="044 123 45 67")
    assert list(Response.objects.order_by("pk").values_list("customer_id", flat=True)) == [anna.pk, boris.pk]
    assert Customer.objects.filter(organization=world.org).count() == 2


def test_ticking_the_box_grants_consent_to_a_known_customer_but_leaving_it_never_withdraws(client, world):
    anna = make_customer(organization=world.org, email="anna@example.com", consent_email=False)
    post_answer(client, world, email="anna@example.com", consent="1")
    anna.refresh_from_db()
    assert anna.consent_email
    post_answer(client, world, email="anna@example.com")
    anna.refresh_from_db()
    assert anna.consent_email


def test_another_organizations_customer_is_never_linked(client, world):
    stranger = make_customer(organization=world.other_org, email="anna@example.com")
    post_answer(client, world, email="anna@example.com")
    customer = Response.objects.get().customer
    assert customer != stranger and customer.organization == world.org


def test_an_answer_without_usable_contacts_makes_no_customer(client, world):
    post_answer(client, world, name="Jane", phone="123")
    assert Response.objects.get().customer is None
    assert not Customer.objects.exists()


def test_the_case_and_the_answer_show_the_customer_panel(client, world, login):
    anna = make_customer(organization=world.org, name="Anna", email="anna@example.com")
    make_purchase(customer=anna, amount="12500")
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=COMPLAINT, customer_email="anna@example.com"
    )
    manager = login(world.manager)
    for page in (f"/cases/{response.case.pk}/", f"/answers/{response.pk}/"):
        html = manager.get(page).content.decode()
        assert 'id="customer-who"' in html and f"/customers/{anna.pk}/" in html, page
        assert "12,500.00" in html, page  # the revenue panel
