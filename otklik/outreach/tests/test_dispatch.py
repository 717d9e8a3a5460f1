"""Due invitations are sent once, in the customer's language, by the rules a user expects (B2)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from otklik.messaging.models import OutboxMessage
from otklik.outreach.dispatch import in_quiet_hours, invitations_dispatch_due
from otklik.outreach.models import OutreachSettings, ScheduledInvitation, ScheduledStatus
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase
from otklik.surveys.models import Invitation

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)  # outside the default quiet hours in UTC


def due_purchase(world, *, customer=None, at=None, delay: int = 3, **customer_fields):
    customer = customer or make_customer(organization=world.org, **customer_fields)
    product = make_product(organization=world.org, name="Kettle", delay=delay)
    return make_purchase(
        customer=customer, product=product, at=at or NOON_UTC - timedelta(days=delay), location=world.store
    )


def test_a_due_invitation_is_sent_with_a_personal_link_in_the_customers_language(world, settings):
    settings.SITE_URL = "https://feedback.example.com"
    purchase = due_purchase(world, language="ru", name="Валентина Ивановна", email="v@example.com")
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 1}

    scheduled = ScheduledInvitation.objects.get(purchase=purchase)
    invitation = Invitation.objects.get()
    message = OutboxMessage.objects.get(key=scheduled.outbox_key)
    assert scheduled.status == ScheduledStatus.SENT and scheduled.invitation == invitation
    assert (invitation.customer, invitation.purchase, invitation.survey) == (purchase.customer, purchase, world.nps)
    assert invitation.touchpoint == world.checkout  # the purchase's location
    assert message.recipient == "v@example.com" and message.channel == "email" and message.kind == "invitation"
    assert "Валентина Ивановна" in message.body and "Kettle" in message.body
    assert "1 марта 2030" in message.body  # the purchase date, written the Russian way
    assert f"https://feedback.example.com/i/{invitation.token}/" in message.body


def test_running_the_dispatcher_twice_sends_once(world):
    due_purchase(world)
    invitations_dispatch_due(now=NOON_UTC)
    assert invitations_dispatch_due(now=NOON_UTC + timedelta(minutes=1)) == {}
    assert OutboxMessage.objects.count() == 1 and Invitation.objects.count() == 1


def test_an_invitation_not_yet_due_waits(world):
    due_purchase(world, at=NOON_UTC)
    assert invitations_dispatch_due(now=NOON_UTC) == {}
    assert ScheduledInvitation.objects.get().status == ScheduledStatus.SCHEDULED


def test_quiet_hours_in_the_organizations_time_zone_postpone_to_the_morning(world):
    world.org.time_zone = "Asia/Vladivostok"  # UTC+10: 12:00 UTC is 22:00 there
    world.org.save()
    due_purchase(world)
    assert invitations_dispatch_due(now=NOON_UTC) == {"postponed": 1}
    scheduled = ScheduledInvitation.objects.get()
    assert scheduled.send_at == datetime(2030, 3, 4, 23, 0, tzinfo=UTC)  # 09:00 the next morning there
    assert scheduled.status == ScheduledStatus.SCHEDULED and not OutboxMessage.objects.exists()

    assert invitations_dispatch_due(now=NOON_UTC + timedelta(hours=10, minutes=59)) == {}
    assert invitations_dispatch_due(now=NOON_UTC + timedelta(hours=11)) == {"sent": 1}


def test_quiet_hours_may_wrap_midnight_or_be_switched_off():
    assert in_quiet_hours(time(23, 30), quiet_from=time(21), quiet_until=time(9))
    assert in_quiet_hours(time(8, 59), quiet_from=time(21), quiet_until=time(9))
    assert not in_quiet_hours(time(9), quiet_from=time(21), quiet_until=time(9))
    assert in_quiet_hours(time(13), quiet_from=time(12), quiet_until=time(14))
    assert not in_quiet_hours(time(3), quiet_from=time(0), quiet_until=time(0))


def test_one_invitation_per_customer_per_period_the_rest_are_suppressed(world):
    customer = make_customer(organization=world.org)
    first, second = due_purchase(world, customer=customer), due_purchase(world, customer=customer, delay=5)
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 1, "suppressed": 1}
    statuses = dict(ScheduledInvitation.objects.values_list("purchase_id", "status"))
    assert sorted(statuses.values()) == [ScheduledStatus.SENT, ScheduledStatus.SUPPRESSED]
    assert {first.pk, second.pk} == set(statuses)
    suppressed = ScheduledInvitation.objects.get(status=ScheduledStatus.SUPPRESSED)
    assert "30 days" in suppressed.reason


def test_with_no_frequency_limit_every_purchase_is_asked_about(world):
    OutreachSettings.objects.create(organization=world.org, min_days_between=0)
    customer = make_customer(organization=world.org)
    due_purchase(world, customer=customer)
    due_purchase(world, customer=customer, delay=5)
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 2}


def test_an_invitation_not_sent_in_time_expires(world):
    due_purchase(world, delay=3, at=NOON_UTC - timedelta(days=3 + 15))
    # Scheduled while still fresh; the worker was down for two weeks.
    assert ScheduledInvitation.objects.exists()
    assert invitations_dispatch_due(now=NOON_UTC) == {"expired": 1}
    scheduled = ScheduledInvitation.objects.get()
    assert scheduled.status == ScheduledStatus.EXPIRED and "14 days" in scheduled.reason
    assert not OutboxMessage.objects.exists() and not Invitation.objects.exists()


def test_no_consent_means_no_message(world):
    due_purchase(world, consent=False)
    assert invitations_dispatch_due(now=NOON_UTC) == {"no_consent": 1}
    assert "e-mail" in ScheduledInvitation.objects.get().reason
    assert not OutboxMessage.objects.exists()


def test_no_address_means_no_channel(world):
    customer = make_customer(organization=world.org)
    customer.email = ""
    customer.save()
    due_purchase(world, customer=customer)
    assert invitations_dispatch_due(now=NOON_UTC) == {"no_channel": 1}
    assert not OutboxMessage.objects.exists()


def test_an_invalid_address_is_not_written_to(world):
    due_purchase(world, email_invalid_at=timezone.now())
    assert invitations_dispatch_due(now=NOON_UTC) == {"no_channel": 1}


def test_without_an_open_survey_nothing_is_sent_and_the_reason_is_kept(world):
    world.nps.is_open = False
    world.nps.save()
    due_purchase(world)
    assert invitations_dispatch_due(now=NOON_UTC) == {"not_sent": 1}
    assert "survey" in ScheduledInvitation.objects.get().reason


def test_a_backlog_larger_than_a_batch_drains_in_one_run(world):
    OutreachSettings.objects.create(organization=world.org, min_days_between=0)
    customer = make_customer(organization=world.org)
    for delay in range(1, 6):
        due_purchase(world, customer=customer, delay=delay)
    assert invitations_dispatch_due(now=NOON_UTC, limit=2) == {"sent": 5}


def test_a_spent_budget_ends_the_slice_and_leaves_the_rest_due_for_the_next(world):
    from otklik.outreach.dispatch import invitations_due_exist

    OutreachSettings.objects.create(organization=world.org, min_days_between=0)
    customer = make_customer(organization=world.org)
    for delay in range(1, 6):
        due_purchase(world, customer=customer, delay=delay)
    # The loop's other jobs wait for at most one slice: a spent budget stops after the batch in hand.
    assert invitations_dispatch_due(now=NOON_UTC, limit=2, budget_seconds=0) == {"sent": 2}
    assert invitations_due_exist(now=NOON_UTC)
    assert invitations_dispatch_due(now=NOON_UTC, limit=2, budget_seconds=0) == {"sent": 2}
    assert invitations_dispatch_due(now=NOON_UTC, limit=2, budget_seconds=0) == {"sent": 1}
    assert not invitations_due_exist(now=NOON_UTC)


def test_a_product_without_a_survey_of_its_own_opens_the_organizations_default_survey(world):
    from otklik.testing.factories import make_survey

    default = make_survey(organization=world.org, kind="csat")
    world.org.default_survey = default
    world.org.save()
    purchase = due_purchase(world)
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 1}
    assert Invitation.objects.get(purchase=purchase).survey == default
    # A closed default survey falls back, as before, to the first open NPS survey.
    default.is_open = False
    default.save()
    second = due_purchase(world, delay=4)
    OutreachSettings.objects.update_or_create(organization=world.org, defaults={"min_days_between": 0})
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 1}
    assert Invitation.objects.get(purchase=second).survey == world.nps


def test_a_batch_reads_no_column_row_by_row(world, settings):
    """The columns a batch leaves unread (DUE_UNREAD, CUSTOMER_UNREAD) are never fetched one row at a time:
    a batch of four costs the statements a batch of one does, dispatching and sending."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from otklik.messaging.services import outbox_deliver_many

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    product = make_product(organization=world.org, name="Kettle", delay=3)

    def statements(customers: int) -> tuple[int, int]:
        for _ in range(customers):
            customer = make_customer(organization=world.org, language="uk")
            make_purchase(customer=customer, product=product, at=NOON_UTC - timedelta(days=3), location=world.store)
        with CaptureQueriesContext(connection) as dispatching:
            assert invitations_dispatch_due(now=NOON_UTC) == {"sent": customers}
        ids = list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as sending:
            assert outbox_deliver_many(message_ids=ids) == customers
        return len(dispatching), len(sending)

    statements(1)  # the first batch reads what every later one finds cached (the URLconf, the templates)
    assert statements(4) == statements(1)
