"""A missed deadline goes up the ladder once per level: responsible and managers, then owners."""

from datetime import timedelta

from otklik.accounts.models import Role
from otklik.cases.models import Case, Step
from otklik.cases.services import case_thank
from otklik.messaging.models import OutboxMessage
from otklik.sla.models import Escalation, EscalationLevel, EscalationReason
from otklik.sla.selectors import case_sla_state
from otklik.sla.services import notification_preference_save, sla_escalate_due, sla_policies_save
from otklik.sla.tests.helpers import open_case
from otklik.testing.factories import make_user


def escalation_recipients() -> list[str]:
    return sorted(OutboxMessage.objects.filter(kind="sla_escalation").values_list("recipient", flat=True))


def test_nothing_is_escalated_before_the_deadline(world):
    case = open_case(world)
    assert sla_escalate_due(now=case.created_at + timedelta(hours=23, minutes=59)) == 0
    assert not Escalation.objects.exists()


def test_an_unanswered_case_alerts_the_responsible_person_and_the_managers_once(world):
    case = open_case(world)  # medium: first answer within 24 hours
    now = case.created_at + timedelta(hours=24, minutes=1)
    assert sla_escalate_due(now=now) == 1
    escalation = Escalation.objects.get()
    assert (escalation.level, escalation.reason) == (EscalationLevel.MANAGER, EscalationReason.FIRST_ANSWER)
    assert set(escalation.notified.all()) == {world.employee, world.manager}
    assert escalation_recipients() == ["emma@example.com", "max@example.com"]
    message = OutboxMessage.objects.get(kind="sla_escalation", recipient="max@example.com")
    assert f"#{case.pk}" in message.subject and "no answer in time" in message.subject
    assert message.case == case

    assert sla_escalate_due(now=now + timedelta(minutes=1)) == 0
    assert len(escalation_recipients()) == 2


def test_still_unanswered_one_period_later_it_alerts_the_owners_once(world):
    case = open_case(world)
    sla_escalate_due(now=case.created_at + timedelta(hours=25))
    later = case.created_at + timedelta(hours=48, minutes=1)
    assert sla_escalate_due(now=later) == 1
    assert escalation_recipients() == ["emma@example.com", "max@example.com", "olga@example.com"]
    assert sla_escalate_due(now=later + timedelta(hours=1)) == 0
    assert len(escalation_recipients()) == 3


def test_a_case_answered_in_time_is_not_escalated_for_its_first_answer(world):
    case = open_case(world)
    Case.objects.filter(pk=case.pk).update(step=Step.NEW)
    case_thank(case=case, by=world.employee, via="phone")
    Case.objects.filter(pk=case.pk).update(thanked_at=case.created_at + timedelta(hours=1))
    assert sla_escalate_due(now=case.created_at + timedelta(hours=30)) == 0


def test_an_unresolved_case_escalates_for_resolution(world):
    case = open_case(world, severity="critical")  # 2 h / 24 h
    case_thank(case=case, by=world.employee, via="phone")
    Case.objects.filter(pk=case.pk).update(thanked_at=case.created_at + timedelta(hours=1))
    assert sla_escalate_due(now=case.created_at + timedelta(hours=24, minutes=1)) == 1
    escalation = Escalation.objects.get()
    assert escalation.reason == EscalationReason.RESOLUTION
    assert "not resolved in time" in OutboxMessage.objects.filter(kind="sla_escalation").first().subject


def test_a_resolved_case_is_never_escalated(world):
    case = open_case(world)
    Case.objects.filter(pk=case.pk).update(step=Step.RESOLVED, resolved_at=case.created_at + timedelta(hours=1))
    assert sla_escalate_due(now=case.created_at + timedelta(days=30)) == 0


def test_the_organizations_own_policy_sets_the_deadline(world):
    sla_policies_save(organization=world.org, hours={"medium": (1, 8)})
    case = open_case(world)
    assert sla_escalate_due(now=case.created_at + timedelta(minutes=61)) == 1


def test_an_old_breach_beyond_the_horizon_alerts_nobody(world):
    case = open_case(world)
    assert sla_escalate_due(now=case.created_at + timedelta(days=60)) == 0
    assert escalation_recipients() == []
    assert case_sla_state(case=case, now=case.created_at + timedelta(days=60)).breached


def test_without_managers_the_owners_hear_at_the_first_level(world):
    case = open_case(world)
    world.manager.memberships.update(role=Role.EMPLOYEE)
    sla_escalate_due(now=case.created_at + timedelta(hours=25))
    assert escalation_recipients() == ["emma@example.com", "olga@example.com"]
    sla_escalate_due(now=case.created_at + timedelta(hours=49))
    assert escalation_recipients() == ["emma@example.com", "olga@example.com"]  # the owner was already told
    assert Escalation.objects.count() == 2


def test_escalation_alerts_use_each_persons_channels(world, telegram):
    notification_preference_save(
        user=world.manager,
        organization=world.org,
        email=False,
        telegram=True,
        telegram_chat_id="777",
        daily_digest=True,
    )
    case = open_case(world)
    sla_escalate_due(now=case.created_at + timedelta(hours=25))
    channels = set(OutboxMessage.objects.filter(kind="sla_escalation").values_list("channel", "recipient"))
    assert channels == {("email", "emma@example.com"), ("telegram", "777")}


def test_another_organizations_people_are_never_told(world):
    make_user(organization=world.other_org, role=Role.OWNER, username="rita")
    case = open_case(world)
    sla_escalate_due(now=case.created_at + timedelta(hours=25))
    sla_escalate_due(now=case.created_at + timedelta(hours=49))
    recipients = escalation_recipients()
    assert "stan@example.com" not in recipients and "rita@example.com" not in recipients
