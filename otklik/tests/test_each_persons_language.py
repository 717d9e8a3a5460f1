"""Alerts, escalations and digests go out in the recipient's language; customers are written to in theirs."""

from datetime import UTC, datetime, timedelta

from otklik.accounts.models import Membership
from otklik.cases.models import Case
from otklik.cases.tests.samples import GATE, SERVICE
from otklik.intake.complaints import complaint_open
from otklik.messaging.models import OutboxMessage
from otklik.sla.services import digest_send_due, sla_escalate_due
from otklik.sla.tests.helpers import open_case
from otklik.testing.factories import make_response

SUNDAY = datetime(2025, 3, 9, 15, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def speaks(user, organization, language: str) -> None:
    Membership.objects.filter(user=user, organization=organization).update(language=language)


def test_the_new_complaint_alert_is_in_the_employees_language(world):
    speaks(world.employee, world.org, "uk")
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SERVICE)
    alert = OutboxMessage.objects.get(kind="case_alert", recipient=world.employee.email)
    assert alert.subject.startswith("Нова скарга")


def test_without_a_language_of_their_own_a_person_gets_the_organizations(world):
    world.org.default_language = "ru"
    world.org.save()
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SERVICE)
    alert = OutboxMessage.objects.get(kind="case_alert", recipient=world.employee.email)
    assert alert.subject.startswith("Новая жалоба")


def test_each_escalated_person_reads_it_in_their_own_language(world):
    speaks(world.employee, world.org, "ru")
    speaks(world.manager, world.org, "uk")
    case = open_case(world)
    sla_escalate_due(now=case.created_at + timedelta(hours=24, minutes=1))
    to_employee = OutboxMessage.objects.get(kind="sla_escalation", recipient=world.employee.email)
    to_manager = OutboxMessage.objects.get(kind="sla_escalation", recipient=world.manager.email)
    assert "Жалоба" in to_employee.subject and "Скарга" in to_manager.subject


def test_the_digest_is_in_each_managers_language(world):
    speaks(world.manager, world.org, "uk")
    open_case(world, created_at=SUNDAY, content=GATE)
    digest_send_due(now=MONDAY_MORNING)
    to_manager = OutboxMessage.objects.get(kind="sla_digest", recipient=world.manager.email)
    to_owner = OutboxMessage.objects.get(kind="sla_digest", recipient=world.owner.email)
    assert "скарги" in to_manager.subject and "complaints" in to_owner.subject


def test_a_complaint_entered_by_hand_greets_the_customer_in_the_complaints_language(world):
    # semeval2016-restaurants-ru/sentences.csv, sentence 27925:2 (a real review's words)
    content = (
        "Я со своим молодым человеком и пару его друзей отмечали день рожденье буквально на днях в этом ресторане."
    )
    case = complaint_open(
        location=world.store, content=content, customer_name="Мария Смирнова", customer_email="maria@example.org"
    )
    thank_you = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert case.language == "ru"
    assert thank_you.body.startswith("Здравствуйте, Мария Смирнова!")
    assert "Dear" not in thank_you.body


def test_a_known_customer_is_written_to_in_their_own_language(world):
    from otklik.testing.factories import make_customer

    make_customer(organization=world.org, name="Olena", email="olena@example.org", language="uk")
    case = complaint_open(location=world.store, content=GATE, customer_name="Olena", customer_email="olena@example.org")
    assert Case.objects.get(pk=case.pk).language == "uk"


def test_the_thank_you_message_says_by_when_the_customer_will_hear_from_us(world):
    world.org.time_zone = "Europe/Moscow"
    world.org.save()
    case = complaint_open(location=world.store, content=GATE, customer_name="Pat", customer_email="pat@example.org")
    thank_you = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert "will contact you by " in thank_you.body


def test_a_member_chooses_their_language_on_the_notifications_page(client, world):
    client.force_login(world.employee)
    saved = client.post("/account/notifications/", {"email": "on", "language": "uk"})
    assert saved.status_code == 303
    assert Membership.objects.get(user=world.employee, organization=world.org).language == "uk"
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=SERVICE)
    assert OutboxMessage.objects.get(kind="case_alert").subject.startswith("Нова скарга")


def test_an_unknown_language_is_refused_and_changes_nothing(client, world):
    client.force_login(world.employee)
    refused = client.post("/account/notifications/", {"email": "on", "language": "xx"})
    assert refused.status_code == 400
    assert Membership.objects.get(user=world.employee, organization=world.org).language == ""
