"""Masked means masked (issue 13, item 8): staff alerts and escalations leave the app with insults masked."""

from datetime import timedelta

from otklik.insights.tests import samples
from otklik.intake.complaints import complaint_open
from otklik.messaging.models import OutboxMessage
from otklik.sla.services import sla_escalate_due
from otklik.sla.tests.helpers import open_case

# sentirueval2016-ru: "В ВТБ24 @vtb – наглые хамы, в Билайн @Beeline_RUS - счет с потолка …"
KHAMY = "624623807320460000"


def test_the_new_complaint_alert_to_the_employee_masks_insults(world):
    case = complaint_open(location=world.store, content=samples.russian(KHAMY))
    [alert] = OutboxMessage.objects.filter(kind="case_alert", case=case)
    assert alert.recipient == world.employee.email
    assert "хамы" not in alert.body and "наглые х***" in alert.body and "счет с потолка" in alert.body


def test_the_escalation_masks_insults(world):
    case = open_case(world, content=samples.russian(KHAMY))
    assert sla_escalate_due(now=case.created_at + timedelta(hours=24, minutes=1)) == 1
    messages = OutboxMessage.objects.filter(kind="sla_escalation")
    assert messages.count() == 2
    for message in messages:
        assert "хамы" not in message.body and "наглые х***" in message.body
