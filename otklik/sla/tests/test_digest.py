"""Each morning, every manager and owner who wants it gets one digest of the day before."""

from datetime import UTC, datetime, timedelta

from otklik.cases.tests.samples import GATE, SEAT, WIFI
from otklik.messaging.models import OutboxMessage
from otklik.sla.services import digest_send_due, notification_preference_save
from otklik.sla.tests.helpers import open_case

SUNDAY = datetime(2025, 3, 9, 15, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def digests():
    return OutboxMessage.objects.filter(kind="sla_digest")


def test_it_sends_one_digest_per_manager_and_owner_per_day(world):
    open_case(world, created_at=SUNDAY, content=GATE)
    open_case(world, created_at=SUNDAY - timedelta(days=3), content=SEAT)

    assert digest_send_due(now=MONDAY_MORNING) == 2
    assert sorted(digests().values_list("recipient", flat=True)) == ["max@example.com", "olga@example.com"]
    assert digest_send_due(now=MONDAY_MORNING + timedelta(hours=5)) == 0
    assert digests().count() == 2

    assert digest_send_due(now=MONDAY_MORNING + timedelta(days=1)) == 2
    assert digests().count() == 4


def test_the_digest_counts_yesterday_and_lists_the_oldest_open_cases(world):
    new = open_case(world, created_at=SUNDAY, content=GATE)
    old = open_case(world, created_at=SUNDAY - timedelta(days=3), content=SEAT)
    digest_send_due(now=MONDAY_MORNING)
    message = digests().get(recipient="max@example.com")
    assert "complaints on" in message.subject and "Acme Coffee" in message.subject
    assert "New complaints that day: 1" in message.body
    assert "Open now: 2" in message.body
    assert "Without a first answer: 2" in message.body
    assert "Past their SLA deadline: 1" in message.body  # the older one is past its 24 hours
    assert message.body.index(f"#{old.pk},") < message.body.index(f"#{new.pk},")


def test_nothing_is_sent_before_the_morning(world):
    open_case(world, created_at=SUNDAY)
    assert digest_send_due(now=MONDAY_MORNING.replace(hour=6)) == 0


def test_the_morning_is_the_organizations(world):
    world.org.time_zone = "Europe/Kyiv"  # UTC+2 in March
    world.org.save()
    open_case(world, created_at=SUNDAY)
    assert digest_send_due(now=MONDAY_MORNING.replace(hour=5)) == 2  # 07:00 in Kyiv


def test_a_quiet_organization_gets_no_digest(world):
    assert digest_send_due(now=MONDAY_MORNING) == 0


def test_employees_never_get_it_and_a_manager_may_turn_it_off(world):
    open_case(world, created_at=SUNDAY, content=WIFI)
    notification_preference_save(
        user=world.manager, organization=world.org, email=True, telegram=False, telegram_chat_id="", daily_digest=False
    )
    digest_send_due(now=MONDAY_MORNING)
    assert list(digests().values_list("recipient", flat=True)) == ["olga@example.com"]


def test_it_follows_the_chosen_channels(world, telegram):
    open_case(world, created_at=SUNDAY)
    notification_preference_save(
        user=world.owner, organization=world.org, email=True, telegram=True, telegram_chat_id="42", daily_digest=True
    )
    digest_send_due(now=MONDAY_MORNING)
    assert set(digests().filter(recipient__in=["olga@example.com", "42"]).values_list("channel", flat=True)) == {
        "email",
        "telegram",
    }
    assert digest_send_due(now=MONDAY_MORNING + timedelta(minutes=1)) == 0


def test_the_digest_tells_managers_about_rules_that_failed(world):
    from otklik.rules.models import RuleRun
    from otklik.rules.tests.helpers import default_rule

    rule = default_rule(organization=world.org, key="detractors")
    failed = RuleRun.objects.create(organization=world.org, rule=rule, ok=False, error="send_template: broken")
    RuleRun.objects.filter(pk=failed.pk).update(created_at=SUNDAY)
    assert digest_send_due(now=MONDAY_MORNING) == 2  # sent although no complaint came in
    message = digests().get(recipient="max@example.com")
    assert "Rules that failed that day: 1." in message.body and "/rules/" in message.body
