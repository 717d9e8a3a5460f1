"""Hunting for complaints (B5): silence after an event brings an invitation or a task, once per event."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from otklik.customers.models import CustomerEvent
from otklik.customers.services import events_record
from otklik.messaging.models import OutboxMessage
from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.hunting import hunt_rule_create, hunt_rules_run
from otklik.outreach.models import (
    HuntMatch,
    HuntRule,
    OutreachSettings,
    OutreachTask,
    ScheduledInvitation,
    TaskStatus,
)
from otklik.outreach.tests.helpers import make_customer
from otklik.testing.factories import make_response

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"outreach:{name}", args=args)


def trial_rule(world, **fields) -> HuntRule:
    values = {
        "name": "Trial with no support contact",
        "event_name": "trial_started",
        "within_days": 7,
        "contact_events": "support_ticket",
        "action": "task",
        "assignee": world.employee,
        "survey": None,
    } | fields
    rule = hunt_rule_create(organization=world.org, **values)
    HuntRule.objects.filter(pk=rule.pk).update(created_at=timezone.now() - timedelta(days=30))
    rule.refresh_from_db()
    return rule


def event(customer, name: str, days_ago: float) -> None:
    result = events_record(
        organization=customer.organization,
        records=[
            {
                "external_id": f"E-{customer.external_id}-{name}",
                "customer_external_id": customer.external_id,
                "name": name,
                "occurred_at": (timezone.now() - timedelta(days=days_ago)).isoformat(),
            }
        ],
    )
    assert result.errors == {}


def test_a_silent_customer_gets_a_task_for_the_employee_once(world):
    trial_rule(world)
    silent = make_customer(organization=world.org)
    event(silent, "trial_started", days_ago=8)
    assert hunt_rules_run() == 1
    assert hunt_rules_run() == 0  # the minute job runs again: nothing more
    task = OutreachTask.objects.get()
    assert (task.customer, task.assignee, task.status) == (silent, world.employee, TaskStatus.OPEN)
    assert task.event == CustomerEvent.objects.get(name="trial_started")


def test_an_answer_a_case_or_a_contact_event_means_the_customer_is_not_silent(world):
    trial_rule(world)
    answered, contacted, silent = (make_customer(organization=world.org) for _ in range(3))
    for customer in (answered, contacted, silent):
        event(customer, "trial_started", days_ago=8)
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=9)
    response.customer = answered
    response.save()
    event(contacted, "support_ticket", days_ago=3)
    assert hunt_rules_run() == 1
    assert OutreachTask.objects.get().customer == silent


def test_nothing_happens_before_the_days_have_passed(world):
    trial_rule(world)
    event(make_customer(organization=world.org), "trial_started", days_ago=6)
    assert hunt_rules_run() == 0


def test_events_whose_silence_ended_before_the_rule_existed_are_left_alone(world):
    rule = trial_rule(world)
    event(make_customer(organization=world.org), "trial_started", days_ago=60)
    assert rule.created_at > timezone.now() - timedelta(days=31)
    assert hunt_rules_run() == 0


def test_an_invitation_rule_sends_through_the_same_rules_as_every_invitation(world):
    trial_rule(world, action="invitation", assignee=None)
    customer = make_customer(organization=world.org, language="uk")
    event(customer, "trial_started", days_ago=8)
    hunt_rules_run()
    hunt_rules_run()
    scheduled = ScheduledInvitation.objects.get()
    assert scheduled.customer == customer and scheduled.purchase is None
    assert HuntMatch.objects.get().scheduled == scheduled
    OutreachSettings.objects.create(organization=world.org, quiet_from="00:00", quiet_until="00:00")
    assert invitations_dispatch_due() == {"sent": 1}
    scheduled.refresh_from_db()
    assert scheduled.invitation.customer == customer
    message = OutboxMessage.objects.get()
    assert message.subject.startswith("Як у вас справи?") and scheduled.invitation.token in message.body


def test_a_task_rule_needs_someone_to_do_it(world):
    with pytest.raises(ValidationError) as error:
        hunt_rule_create(
            organization=world.org,
            name="x",
            event_name="trial_started",
            within_days=7,
            contact_events="",
            action="task",
            assignee=None,
            survey=None,
        )
    assert "assignee" in error.value.error_dict
    with pytest.raises(ValidationError):
        hunt_rule_create(
            organization=world.org,
            name="x",
            event_name="trial_started",
            within_days=7,
            contact_events="",
            action="task",
            assignee=world.stranger,
            survey=None,
        )
    assert not HuntRule.objects.exists()


def test_a_manager_creates_a_rule_on_the_page_and_the_employee_finds_the_task_in_their_list(world, login):
    client = login(world.manager)
    answer = client.post(
        url("rule_create"),
        {
            "name": "Trial, no contact",
            "event_name": "trial_started",
            "within_days": "7",
            "contact_events": "support_ticket, support_call",
            "action": "task",
            "assignee": world.employee.pk,
        },
    )
    assert answer.status_code == 303
    rule = HuntRule.objects.get()
    assert rule.contact_event_names == ["support_ticket", "support_call"]
    HuntRule.objects.filter(pk=rule.pk).update(created_at=timezone.now() - timedelta(days=30))
    customer = make_customer(organization=world.org, name="Customer Silent")
    event(customer, "trial_started", days_ago=10)
    hunt_rules_run()

    employee = login(world.employee)
    html = employee.get(url("tasks")).content.decode()
    task = OutreachTask.objects.get()
    assert f'id="task-{task.pk}"' in html and "Customer Silent" in html
    assert employee.post(url("task_done", task.pk), {"note": ""}).status_code == 303
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # a note is required
    employee.post(url("task_done", task.pk), {"note": "Called: the trial is fine, they need an invoice."})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == world.employee
    assert "Called: the trial is fine" in login(world.manager).get(url("tasks"), {"status": "done"}).content.decode()
    assert f"{customer}" in login(world.manager).get(url("rule_edit", rule.pk)).content.decode()


def test_a_bad_rule_is_refused_on_the_page(world, login):
    answer = login(world.manager).post(
        url("rule_create"),
        {"name": "", "event_name": "trial_started", "within_days": "0", "action": "task", "assignee": ""},
    )
    assert answer.status_code == 400 and not HuntRule.objects.exists()


def test_strangers_get_404_for_rules_and_tasks(world, login):
    rule = trial_rule(world)
    event(make_customer(organization=world.org), "trial_started", days_ago=8)
    hunt_rules_run()
    task = OutreachTask.objects.get()
    stranger = login(world.stranger)
    assert stranger.get(url("rule_edit", rule.pk)).status_code == 404
    assert stranger.post(url("task_done", task.pk), {"note": "hi"}).status_code == 404
    assert f'id="task-{task.pk}"' not in stranger.get(url("tasks")).content.decode()
    assert "Trial with no support contact" not in stranger.get(url("rules")).content.decode()


def test_an_employee_cannot_close_someone_elses_task_or_edit_rules(world, login):
    trial_rule(world, assignee=world.manager)
    event(make_customer(organization=world.org), "trial_started", days_ago=8)
    hunt_rules_run()
    task = OutreachTask.objects.get()
    client = login(world.employee)
    assert client.post(url("task_done", task.pk), {"note": "done"}).status_code == 404
    assert client.get(url("rules")).status_code == 403
