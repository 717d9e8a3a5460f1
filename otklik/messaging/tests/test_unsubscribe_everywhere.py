"""Every customer e-mail carries the one-click unsubscribe (RFC 8058), not only invitations; SMS and
Telegram honour the stop word for complaint messages too."""

from django.test import Client

from otklik.cases.services import case_apologize, case_fix, case_promise, case_report, case_thank
from otklik.cases.tests.samples import SEAT
from otklik.customers.inbound import inbound_receive
from otklik.intake.complaints import complaint_open
from otklik.messaging.channels import CHANNELS
from otklik.messaging.models import AddressUnsubscribe, OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver
from otklik.messaging.tests.customers import make_customer


def resolved(case, by):
    if case.thanked_at is None:  # a case with an e-mail is thanked automatically (issue 17)
        case_thank(case=case, by=by, via="phone")
    case_apologize(case=case, by=by, apology="Sorry")
    case_promise(case=case, by=by, fix_promise="New seats", planned_fix_date=case.created_at.date())
    case_fix(case=case, by=by, fix_description="Seats replaced")
    return case_report(case=case, by=by, via="email", cause="Old seats", action_taken="Replaced")


def unsubscribe_link(message: OutboxMessage) -> str:
    return message.headers["List-Unsubscribe"].strip("<>").split(">")[0]


def test_a_complaints_thank_you_and_report_carry_the_one_click_unsubscribe(world):
    case = complaint_open(location=world.store, content=SEAT, customer_name="Pat", customer_email="pat@example.org")
    resolved(case, world.manager)
    for kind in ("case_thank_you", "case_report"):
        message = OutboxMessage.objects.get(case=case, kind=kind)
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/u/" in message.headers["List-Unsubscribe"]
        assert "Unsubscribe in one click" in message.body


def test_one_click_on_a_complaints_e_mail_stops_the_next_messages_to_that_address(world):
    case = complaint_open(location=world.store, content=SEAT, customer_name="Pat", customer_email="Pat@Example.org")
    thank_you = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    path = "/" + unsubscribe_link(thank_you).split("/", 3)[3]
    answered = Client().post(path, {"List-Unsubscribe": "One-Click"})
    assert answered.status_code == 200
    assert AddressUnsubscribe.objects.filter(organization=world.org, address="pat@example.org").exists()

    report = resolved(case, world.manager)
    message = OutboxMessage.objects.get(case=report, kind="case_report")
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SUPPRESSED


def test_a_customer_of_the_base_gets_their_own_unsubscribe_in_complaint_messages(world):
    customer = make_customer(organization=world.org, telegram_chat_id="", consent_sms=False)
    case = complaint_open(location=world.store, content=SEAT, customer_email=customer.email)
    message = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert message.customer == customer and "List-Unsubscribe" in message.headers


def test_stop_by_sms_suppresses_a_complaint_message_already_queued(world):
    customer = make_customer(organization=world.org, telegram_chat_id="", email="")
    case = complaint_open(location=world.store, content=SEAT, customer_phone=customer.phone)
    message = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert message.channel == "sms" and message.body.endswith("Reply STOP to unsubscribe")
    inbound_receive(channel=CHANNELS["sms"], address="+" + customer.phone, text="СТОП")
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SUPPRESSED


def test_a_forged_unsubscribe_link_changes_nothing(world):
    assert Client().post("/u/not-a-token/", {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert not AddressUnsubscribe.objects.exists()
