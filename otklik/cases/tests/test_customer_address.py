"""Where a complaint's customer hears back: their preferred permitted channel, else the e-mail they left."""

from otklik.cases.tests.samples import SEAT
from otklik.intake.complaints import complaint_open
from otklik.messaging.models import OutboxMessage
from otklik.testing.factories import make_customer


def test_a_known_customer_hears_back_by_their_preferred_channel(world):
    customer = make_customer(organization=world.org, telegram_chat_id="4242", consent_telegram=True)
    case = complaint_open(location=world.store, content=SEAT, customer=customer, customer_email="left@example.com")
    thanks = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert (thanks.channel, thanks.recipient) == ("telegram", "4242")


def test_without_a_permitted_channel_the_reply_goes_to_the_e_mail_left_with_the_complaint(world):
    customer = make_customer(organization=world.org, email="crm@example.com")  # no consent given
    case = complaint_open(location=world.store, content=SEAT, customer=customer, customer_email="left@example.com")
    thanks = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert (thanks.channel, thanks.recipient) == ("email", "left@example.com")
