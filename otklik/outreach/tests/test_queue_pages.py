"""The manual queue (B3): choose the day, then send as is, edit and send, or move; strangers get 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.messaging.models import OutboxMessage
from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
from otklik.outreach.services import invitation_set_date
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"outreach:{name}", args=args)


@pytest.fixture
def waiting(world):
    """A manual-mode deal closed at the employee's store, waiting for the manager's date."""
    piano = make_product(organization=world.org, name="Grand piano", delay=30, mode="manual")
    customer = make_customer(organization=world.org, name="Customer One", email="one@example.com")
    purchase = make_purchase(customer=customer, product=piano, location=world.store, employee_name="Emma")
    return ScheduledInvitation.objects.get(purchase=purchase)


def due_today(scheduled, user):
    invitation_set_date(scheduled=scheduled, day=timezone.localdate(), by=user)
    scheduled.refresh_from_db()
    return scheduled


def test_the_queue_asks_when_to_ask_and_suggests_the_purchase_date_plus_the_delay(world, login, waiting):
    html = login(world.manager).get(url("queue")).content.decode()
    assert "When should we ask for the evaluation?" in html
    suggested = (waiting.purchase.purchased_at + timedelta(days=30)).date().isoformat()
    assert f'id="day-{waiting.pk}" value="{suggested}"' in html
    assert "Grand piano" in html and "Customer One" in html


def test_a_manager_sets_the_date_and_the_letter_waits_until_then(world, login, waiting):
    client = login(world.manager)
    day = timezone.localdate() + timedelta(days=5)
    answer = client.post(url("set_date", waiting.pk), {"day": day.isoformat()})
    assert answer.status_code == 303
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.SCHEDULED and waiting.send_at.date() == day
    assert waiting.decided_by == world.manager
    html = client.get(url("queue")).content.decode()
    assert f'id="upcoming-{waiting.pk}"' in html and f'id="due-{waiting.pk}"' not in html


def test_a_day_in_the_past_is_refused_and_nothing_changes(world, login, waiting):
    client = login(world.manager)
    answer = client.post(url("set_date", waiting.pk), {"day": "2001-01-01"}, follow=True)
    assert "Choose today or a later day." in answer.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.WAITING_DATE and waiting.send_at is None


def test_on_the_day_the_prepared_letter_waits_and_is_sent_as_is(world, login, waiting):
    due_today(waiting, world.manager)
    client = login(world.manager)
    html = client.get(url("queue")).content.decode()
    assert f'id="due-{waiting.pk}"' in html and "Grand piano" in html and "{link}" in html
    answer = client.post(url("send", waiting.pk), follow=True)
    assert "The invitation is sent to one@example.com." in answer.content.decode()
    waiting.refresh_from_db()
    message = OutboxMessage.objects.get(key=waiting.outbox_key)
    assert waiting.status == ScheduledStatus.SENT and message.recipient == "one@example.com"
    assert f"/i/{waiting.invitation.token}/" in message.body and "Grand piano" in message.body
    # A second click (or a second tab) sends nothing more.
    client.post(url("send", waiting.pk))
    assert OutboxMessage.objects.count() == 1


def test_edit_and_send_uses_the_managers_words_and_keeps_the_personal_link(world, login, waiting):
    due_today(waiting, world.manager)
    client = login(world.manager)
    page = client.get(url("edit", waiting.pk))
    assert page.status_code == 200 and "{link}" in page.content.decode()

    refused = client.post(url("edit", waiting.pk), {"subject": "How is the piano?", "body": "No link here"})
    assert refused.status_code == 400 and "Keep {link}" in refused.content.decode()
    refused = client.post(url("edit", waiting.pk), {"subject": "Hi {customer_name}", "body": "{link}"})
    assert refused.status_code == 400 and not OutboxMessage.objects.exists()

    answer = client.post(
        url("edit", waiting.pk),
        {"subject": "How is the piano?", "body": "Tell us how it sounds a month later: {link}\nThank you!"},
    )
    assert answer.status_code == 303
    message = OutboxMessage.objects.get()
    waiting.refresh_from_db()
    assert message.subject == "How is the piano?"
    assert message.body.startswith("Tell us how it sounds a month later: http") and "{link}" not in message.body
    assert waiting.invitation.token in message.body


def test_move_to_another_day(world, login, waiting):
    due_today(waiting, world.manager)
    day = timezone.localdate() + timedelta(days=2)
    login(world.manager).post(url("set_date", waiting.pk), {"day": day.isoformat()})
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.SCHEDULED and waiting.send_at.date() == day
    assert not OutboxMessage.objects.exists()


def test_do_not_ask(world, login, waiting):
    login(world.manager).post(url("cancel", waiting.pk))
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.CANCELLED


def test_the_employee_of_the_store_works_its_queue_but_not_other_stores(world, login, waiting):
    client = login(world.employee)
    assert "Grand piano" in client.get(url("queue")).content.decode()
    elsewhere = make_purchase(
        customer=make_customer(organization=world.org),
        product=waiting.purchase.product,
        location=world.other_store,
    )
    other = ScheduledInvitation.objects.get(purchase=elsewhere)
    assert client.post(url("set_date", other.pk), {"day": timezone.localdate().isoformat()}).status_code == 404
    assert f'id="waiting-{other.pk}"' not in client.get(url("queue")).content.decode()


def test_a_viewer_cannot_work_the_queue(world, login, waiting):
    assert login(world.viewer).get(url("queue")).status_code == 403


def test_a_stranger_gets_404_for_every_queue_action(world, login, waiting):
    client = login(world.stranger)
    day = {"day": timezone.localdate().isoformat()}
    assert client.post(url("set_date", waiting.pk), day).status_code == 404
    assert client.post(url("send", waiting.pk)).status_code == 404
    assert client.get(url("edit", waiting.pk)).status_code == 404
    assert client.post(url("cancel", waiting.pk)).status_code == 404
    assert "Grand piano" not in client.get(url("queue")).content.decode()
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.WAITING_DATE


def test_a_letter_nobody_sent_within_the_expiry_is_not_sent_late(world, waiting):
    due_today(waiting, world.manager)
    assert invitations_dispatch_due(now=timezone.now() + timedelta(days=10)) == {}
    assert invitations_dispatch_due(now=timezone.now() + timedelta(days=15)) == {"expired": 1}
    waiting.refresh_from_db()
    assert waiting.status == ScheduledStatus.EXPIRED and not OutboxMessage.objects.exists()
