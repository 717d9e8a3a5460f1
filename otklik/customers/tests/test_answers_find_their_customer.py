"""Answers find their customer (issue 3 item 9): by the personal invitation, or by the e-mail or phone left."""

import pytest

from otklik.customers.models import Customer
from otklik.customers.services import customer_match
from otklik.intake.answers import answer_receive
from otklik.intake.complaints import complaint_open
from otklik.surveys.models import Invitation
from otklik.surveys.services import AnswerInput
from otklik.testing.factories import make_customer, make_organization, make_purchase, make_response

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570035876845084672).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"


def test_an_answer_through_a_personal_invitation_gets_its_customer_and_purchase(world):
    customer = make_customer(organization=world.org)
    purchase = make_purchase(customer=customer)
    invitation = Invitation.objects.create(
        organization=world.org, survey=world.nps, touchpoint=world.checkout, customer=customer, purchase=purchase
    )
    response = answer_receive(
        survey=world.nps,
        touchpoint=world.checkout,
        answer=AnswerInput(score=3, comment=COMPLAINT),
        invitation=invitation,
    )
    assert (response.customer, response.purchase) == (customer, purchase)
    assert response.case.customer == customer


def test_an_anonymous_answer_with_an_email_is_matched_to_the_existing_customer(world):
    customer = make_customer(organization=world.org, email="anna@example.com")
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=COMPLAINT, customer_email="Anna@Example.com"
    )
    assert response.customer == customer and response.purchase is None
    assert response.case.customer == customer


def test_a_phone_in_any_format_finds_the_customer(world):
    customer = make_customer(organization=world.org, phone="79161234567")
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=9, customer_phone="8 (916) 123-45-67")
    assert response.customer == customer


def test_an_unknown_contact_or_another_organizations_customer_finds_nobody(world):
    stranger = make_customer(organization=world.other_org, email="anna@example.com", phone="79161234567")
    assert customer_match(organization=world.org, email="anna@example.com", phone="+7916") is None
    assert customer_match(organization=world.org, email="", phone="") is None
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=9, customer_email="anna@example.com", customer_phone="+7916"
    )
    # Not the other organization's customer: a new one of this organization (issue 17).
    assert response.customer != stranger and response.customer.organization == world.org


@pytest.mark.django_db
def test_the_crm_customer_wins_over_one_met_through_an_earlier_answer():
    org = make_organization()
    anonymous = Customer.objects.create(organization=org, email="a@example.com")
    crm = make_customer(organization=org, email="a@example.com")
    assert anonymous.pk < crm.pk
    assert customer_match(organization=org, email="a@example.com") == crm


def test_a_complaint_taken_by_phone_is_linked_to_the_customer(world):
    customer = make_customer(organization=world.org, phone="380441234567")
    case = complaint_open(location=world.store, content=COMPLAINT, customer_phone="044 123 45 67", notify=False)
    assert case.customer == customer
