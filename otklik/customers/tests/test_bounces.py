"""Bounce reports that come back after the relay accepted the message."""

from io import StringIO

from django.core.management import call_command

from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver, outbox_enqueue
from otklik.messaging.tests.customers import make_customer

# The shape Postfix mails back (RFC 3464): a human part, the delivery status, the original headers.
REPORT = """From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: otklik@localhost
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
Arrival-Date: Tue,  1 Dec 2026 15:00:00 +0000 (UTC)

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822;{address}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <{address}>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: Otklik <otklik@localhost>
To: {address}
Subject: How was your purchase?
Message-ID: <invitation.1@localhost>

--B1--
"""


def report(address="anna@example.org", action="failed", status="5.1.1") -> bytes:
    return REPORT.format(address=address, action=action, status=status).replace("\n", "\r\n").encode()


def sent_message(world, customer) -> OutboxMessage:
    message = outbox_enqueue(
        organization=world.org,
        key="invitation:1",
        recipient=customer.email,
        subject="How was your purchase?",
        body="Please rate it",
        kind="invitation",
        customer=customer,
    )
    outbox_deliver(message_id=message.pk)
    return message


def test_a_permanent_failure_marks_the_address_and_records_the_answer(world, tmp_path):
    customer = make_customer(organization=world.org)
    message = sent_message(world, customer)
    path = tmp_path / "bounce.eml"
    path.write_bytes(report())
    out = StringIO()
    call_command("bounces", str(path), stdout=out)
    assert "anna@example.org" in out.getvalue()
    customer.refresh_from_db()
    assert customer.email_invalid_at is not None
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "5.1.1" in message.last_error and "User unknown" in message.last_error


def test_a_delay_report_changes_nothing(world, tmp_path):
    customer = make_customer(organization=world.org)
    message = sent_message(world, customer)
    path = tmp_path / "delay.eml"
    path.write_bytes(report(action="delayed", status="4.4.1"))
    call_command("bounces", str(path), stdout=StringIO())
    customer.refresh_from_db()
    assert customer.email_invalid_at is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_the_address_is_marked_in_every_organization_that_has_it(world, tmp_path):
    ours = make_customer(organization=world.org)
    theirs = make_customer(organization=world.other_org, email="Anna@Example.org")
    path = tmp_path / "bounce.eml"
    path.write_bytes(report())
    call_command("bounces", str(path), stdout=StringIO())
    for customer in (ours, theirs):
        customer.refresh_from_db()
        assert customer.email_invalid_at is not None
