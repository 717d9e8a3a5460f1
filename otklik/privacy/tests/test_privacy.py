"""Personal data on request (issue 11, item 9): export everything about a customer, or erase it.

The customer's words are real: sentirueval2016-ru tweet 626775414493590000.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.audit.models import AuditAction, AuditEvent
from otklik.cases.models import Case
from otklik.customers.models import Customer, CustomerEvent
from otklik.customers.services import customers_upsert
from otklik.insights.tests import samples
from otklik.intake.purchases import purchases_changed
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_enqueue
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
from otklik.surveys.models import Response
from otklik.testing.factories import make_customer, make_purchase, make_response

WORDS = "626775414493590000"  # "@sberbank о чем? О регулярно не работающих банкоматах, сотрудниках хамах …"


@pytest.fixture
def anna(world):
    customer = make_customer(
        organization=world.org,
        name="Анна Петрова",
        email="anna@example.com",
        phone="79161234567",
        consent_email=True,
        external_id="CRM-7",
    )
    purchase = make_purchase(customer=customer, amount="3000", location=world.store)
    CustomerEvent.objects.create(
        organization=world.org,
        external_id="E1",
        customer=customer,
        name="trial_started",
        occurred_at=timezone.now(),
        data={"plan": "gold", "phone": "79161234567"},
    )
    answer = make_response(
        survey=world.nps,
        touchpoint=world.checkout,
        score=1,
        comment=samples.russian(WORDS),
        customer_name="Анна Петрова",
        customer_email="anna@example.com",
    )
    Response.objects.filter(pk=answer.pk).update(customer=customer)
    Case.objects.filter(response=answer).update(customer=customer, apology="Анна, простите нас.")
    outbox_enqueue(
        organization=world.org,
        key="privacy-test",
        recipient="anna@example.com",
        subject="Спасибо",
        body="Анна, спасибо за отзыв",
        kind="thanks",
        customer=customer,
        deliver=False,
    )
    ScheduledInvitation.objects.create(
        organization=world.org,
        customer=customer,
        purchase=purchase,
        status=ScheduledStatus.SCHEDULED,
        due_at=timezone.now() + timedelta(days=3),
        send_at=timezone.now() + timedelta(days=3),
    )
    return customer


@pytest.fixture
def api_as():
    from otklik.accounts.models import Membership
    from otklik.accounts.services import api_token_create
    from otklik.api.tests.conftest import ApiClient

    def make(user):
        membership = Membership.objects.filter(user=user).select_related("organization").first()
        return ApiClient(api_token_create(organization=membership.organization, user=user))

    return make


def _zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_a_manager_exports_everything_from_the_card(world, login, anna):
    client = login(world.manager)
    assert "customer-export-form" in client.get(reverse("customers:card", args=[anna.pk])).content.decode()
    response = client.post(reverse("customers:export", args=[anna.pk]), {"confirm": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = _zip(response.content)
    for kind in ("customer", "consents", "answers", "cases", "messages", "purchases", "events", "invitations"):
        assert f"{kind}.json" in files and f"{kind}.csv" in files
    assert json.loads(files["customer.json"])[0]["email"] == "anna@example.com"
    assert "сотрудниках хамах" in json.loads(files["answers.json"])[0]["comment"]
    assert "сотрудниках хамах" in files["cases.csv"]
    assert json.loads(files["purchases.json"])[0]["amount"] == "3000.00"
    assert json.loads(files["events.json"])[0]["data"] == {"plan": "gold", "phone": "79161234567"}
    bodies = [message["body"] for message in json.loads(files["messages.json"])]
    assert any(body.startswith("Анна, спасибо за отзыв") for body in bodies)
    assert not any("Thank them, fix it" in body for body in bodies)
    assert {c["channel"]: c["consent"] for c in json.loads(files["consents.json"])}["email"] is True
    [event] = AuditEvent.objects.filter(action=AuditAction.CUSTOMER_EXPORTED)
    assert event.actor == world.manager and event.target == f"customer #{anna.pk}" and event.details["via"] == "web"


def test_the_export_needs_the_confirmation_and_a_manager(world, login, anna):
    response = login(world.manager).post(reverse("customers:export", args=[anna.pk]))
    assert response.status_code == 303 and not AuditEvent.objects.exists()
    assert login(world.employee).post(reverse("customers:export", args=[anna.pk]), {"confirm": "1"}).status_code == 403
    assert login(world.stranger).post(reverse("customers:export", args=[anna.pk]), {"confirm": "1"}).status_code == 404


def test_erasing_asks_for_the_name_and_changes_nothing_on_a_mismatch(world, login, anna):
    client = login(world.manager)
    page = client.get(reverse("customers:erase", args=[anna.pk]))
    assert page.status_code == 200 and "Erase for good" in page.content.decode()
    response = client.post(reverse("customers:erase", args=[anna.pk]), {"confirm": "on", "name": "Анна"})
    assert response.status_code == 400 and "does not match" in response.content.decode()
    response = client.post(reverse("customers:erase", args=[anna.pk]), {"name": "Анна Петрова"})
    assert response.status_code == 400
    anna.refresh_from_db()
    assert anna.email == "anna@example.com" and anna.erased_at is None
    assert login(world.employee).get(reverse("customers:erase", args=[anna.pk])).status_code == 403


def test_a_manager_erases_a_customer_and_the_scores_stay(world, login, anna):
    response = login(world.manager).post(
        reverse("customers:erase", args=[anna.pk]), {"confirm": "on", "name": "  анна петрова "}
    )
    assert response.status_code == 303
    anna.refresh_from_db()
    assert (anna.name, anna.email, anna.phone, anna.consent_email) == ("", "", "", False)
    assert anna.erased_at is not None and anna.external_id == "CRM-7"
    answer = Response.objects.get(customer=anna)
    assert answer.score == 1 and answer.comment == "" and answer.customer_email == ""
    case = Case.objects.get(customer=anna)
    assert "хамах" not in case.content and case.customer_name == "" and case.apology == "[name], простите нас."
    assert CustomerEvent.objects.get(customer=anna).data == {}
    message = OutboxMessage.objects.get(key="privacy-test")
    assert message.status == OutboxStatus.SUPPRESSED and message.body == "" and "anna" not in message.recipient
    assert ScheduledInvitation.objects.get(customer=anna).status == ScheduledStatus.CANCELLED
    assert anna.purchases.get().amount == 3000
    [event] = AuditEvent.objects.filter(action=AuditAction.CUSTOMER_ERASED)
    assert event.actor == world.manager and event.details["answers"] == 1 and event.details["messages_withdrawn"] >= 1
    assert "anna" not in json.dumps(event.details).lower()
    html = login(world.manager).get(reverse("customers:card", args=[anna.pk])).content.decode()
    assert "data erased on request" in html and "Анна" not in html


def test_an_erased_customer_gets_nothing_more(world, anna):
    from otklik.privacy.services import customer_erase

    customer_erase(customer=anna)
    # The CRM pushes the customer again, with contacts and consent: they do not come back.
    customers_upsert(
        organization=world.org,
        records=[{"external_id": "CRM-7", "name": "Анна Петрова", "email": "anna@example.com", "consent_email": True}],
    )
    anna.refresh_from_db()
    assert (anna.name, anna.email, anna.consent_email) == ("", "", False)
    # A new purchase plans no invitation.
    purchase = make_purchase(customer=anna, amount="500", location=world.store)
    purchases_changed(organization=world.org, purchase_ids=[purchase.pk])
    assert not ScheduledInvitation.objects.filter(purchase=purchase).exists()
    # Nothing queued for her is sent.
    assert not OutboxMessage.objects.filter(customer=anna, status=OutboxStatus.PENDING).exists()
    assert Customer.objects.filter(organization=world.org, email="anna@example.com").count() == 0


# The API: the same, for owners' and managers' tokens.


def test_the_api_exports_a_zip_for_a_manager_token(world, api_as, anna):
    response = api_as(world.manager).get("/api/customers/CRM-7/export")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "answers.json" in _zip(response.content)
    [event] = AuditEvent.objects.filter(action=AuditAction.CUSTOMER_EXPORTED)
    assert event.details["via"] == "api" and event.actor == world.manager


def test_the_api_refuses_employee_tokens_and_unknown_customers(world, api_as, anna):
    assert api_as(world.employee).get("/api/customers/CRM-7/export").status_code == 403
    assert api_as(world.employee).post("/api/customers/CRM-7/erase", {}).status_code == 403
    assert api_as(world.manager).get("/api/customers/NOPE/export").status_code == 404
    assert api_as(world.stranger).post("/api/customers/CRM-7/erase", {}).status_code == 404
    anna.refresh_from_db()
    # Making the tokens is audited too (token_created); nothing was exported or erased.
    exported_or_erased = AuditEvent.objects.filter(
        action__in=[AuditAction.CUSTOMER_EXPORTED, AuditAction.CUSTOMER_ERASED]
    )
    assert anna.erased_at is None and not exported_or_erased.exists()


def test_the_api_erases_once(world, api_as, anna):
    client = api_as(world.owner)
    response = client.post("/api/customers/CRM-7/erase", {})
    assert response.status_code == 200
    body = response.json()
    assert body["erased"] is True and body["answers"] == 1 and body["invitations_cancelled"] == 1
    assert client.post("/api/customers/CRM-7/erase", {}).status_code == 409
    anna.refresh_from_db()
    assert anna.erased_at is not None and anna.email == ""
    [event] = AuditEvent.objects.filter(action=AuditAction.CUSTOMER_ERASED)
    assert event.details["via"] == "api"
