"""Personal channels (C3): a prepared call or visit script, and the recorded outcome of each contact."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Step
from otklik.improvements.models import ContactAttempt, ContactOutcome
from otklik.improvements.scripts import call_script
from otklik.improvements.tests.helpers import SEAT, TRANSFERS_RU, WAIT_RU, open_case


def contact_url(case) -> str:
    return reverse("improvements:case_contact", args=[case.pk])


def test_the_script_names_the_customer_the_complaint_the_place_and_the_date(world):
    case = open_case(world, comment=SEAT, name="Pat")
    script = " ".join(call_script(case=case, way="phone", employee=world.employee).lines)
    assert script.startswith("Hello, Pat! This is emma from Acme Coffee.")
    assert f"“{SEAT}”" in script
    assert "Checkout at Main Street" in script
    assert str(timezone.localtime(case.response.created_at).year) in script


@pytest.mark.parametrize(
    ("language", "comment", "letters"),
    [("ru", TRANSFERS_RU, set("ыэъё")), ("uk", WAIT_RU, set("іїєґ"))],
)
def test_the_script_speaks_the_customers_language(world, language, comment, letters):
    case = open_case(world, comment=comment, language=language, name="Борис")
    lines = call_script(case=case, way="phone", employee=world.employee).lines
    assert "Борис" in lines[0] and "emma" in lines[0] and "Hello" not in lines[0]
    assert comment in lines[1]
    # The letters only one of the two languages uses, in the script's own sentences.
    assert letters & set(" ".join(lines[2:]).lower())


def test_the_script_names_the_customers_last_purchase_before_the_complaint(world):
    from otklik.customers.models import Product, Purchase
    from otklik.testing.factories import make_customer

    case = open_case(world, comment=SEAT, name="Pat")
    customer = make_customer(organization=world.org)
    case.customer = customer
    case.save(update_fields=["customer"])
    moment = case.response.created_at
    for external_id, name, when in (
        ("p1", "Seat upgrade", moment - datetime.timedelta(days=30)),
        ("p2", "Flight to Boston", moment - datetime.timedelta(days=2)),
        ("p3", "Lounge pass", moment + datetime.timedelta(days=1)),  # after the complaint: not it
    ):
        product = Product.objects.create(organization=world.org, external_id=external_id, name=name)
        Purchase.objects.create(
            organization=world.org, external_id=external_id, customer=customer, product=product, purchased_at=when
        )
    lines = call_script(case=case, way="phone", employee=world.employee).lines
    assert "you bought Flight to Boston" in lines[2]
    assert "Lounge pass" not in " ".join(lines) and "Seat upgrade" not in " ".join(lines)


def test_a_script_for_an_unknown_customer_names_no_purchase(world):
    lines = call_script(case=open_case(world, comment=SEAT), way="phone", employee=world.employee).lines
    assert not any("you bought" in line for line in lines)


def test_a_visit_script_without_a_name_greets_politely(world):
    case = open_case(world, comment=SEAT, name="")
    lines = call_script(case=case, way="visit", employee=world.manager).lines
    assert lines[0] == "Hello! I am max from Acme Coffee."


def test_the_case_page_offers_the_script_and_the_outcome_form(world, login):
    case = open_case(world, comment=SEAT, name="Pat")
    html = login(world.employee).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="call-script"' in html and "Hello, Pat! This is emma" in html
    assert 'id="form-contact"' in html
    viewer_html = login(world.viewer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="call-script"' in viewer_html and 'id="form-contact"' not in viewer_html


def test_it_records_each_outcome(world, login):
    case = open_case(world, comment=SEAT)
    client = login(world.employee)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    posts = [
        {"way": "phone", "outcome": "call_back", "note": "Busy, call after six", "callback_on": tomorrow.isoformat()},
        {"way": "phone", "outcome": "reached", "note": ""},
        {"way": "visit", "outcome": "agreed", "note": "Seat upgrade on the next flight"},
    ]
    for data in posts:
        answer = client.post(contact_url(case), data)
        assert answer.status_code == 303
        assert answer["Location"] == reverse("cases:detail", args=[case.pk]) + "#call-script"
    attempts = list(ContactAttempt.objects.filter(case=case).order_by("pk"))
    assert [a.outcome for a in attempts] == ["call_back", "reached", "agreed"]
    assert attempts[0].callback_on == tomorrow and attempts[0].by == world.employee
    assert attempts[2].way == "visit" and attempts[2].note == "Seat upgrade on the next flight"
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert html.count('data-outcome="') == 3 and "Busy, call after six" in html


def test_thanking_by_phone_takes_the_cases_first_step(world, login):
    case = open_case(world, comment=SEAT, email="")  # no e-mail: no automatic thank-you took the step
    login(world.employee).post(contact_url(case), {"way": "phone", "outcome": ContactOutcome.THANKED})
    case.refresh_from_db()
    assert case.step == Step.THANKED and case.thanked_via == "phone"


def test_call_back_later_needs_a_date(world, login):
    case = open_case(world, comment=SEAT)
    answer = login(world.employee).post(contact_url(case), {"way": "phone", "outcome": "call_back"})
    assert answer.status_code == 400
    assert "Say when to call back." in answer.content.decode()
    assert not ContactAttempt.objects.exists()


def test_viewers_cannot_record_and_other_locations_are_404(world, login):
    case = open_case(world, comment=SEAT)
    elsewhere = open_case(world, comment=SEAT, touchpoint=world.other_checkout)
    assert login(world.viewer).post(contact_url(case), {"way": "phone", "outcome": "reached"}).status_code == 403
    assert login(world.employee).post(contact_url(elsewhere), {"way": "phone", "outcome": "reached"}).status_code == 404
    assert login(world.employee).get(contact_url(case)).status_code == 405
    assert not ContactAttempt.objects.exists()
