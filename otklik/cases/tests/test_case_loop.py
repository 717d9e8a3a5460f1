import pytest
from django.core import mail

from otklik.cases import services
from otklik.cases.models import Case, Step
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.messaging.services import outbox_deliver_due
from otklik.testing.factories import make_response


def test_it_opens_a_case_for_a_detractor(world):
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=3, comment="Slow queue")
    case = Case.objects.get(response=response)
    assert case.responsible == world.employee
    assert case.content == "Slow queue"
    assert case.step == Step.NEW


def test_it_opens_no_case_for_a_promoter(world):
    make_response(survey=world.nps, touchpoint=world.checkout, score=9, comment="Great")
    assert not Case.objects.exists()


def test_it_alerts_the_responsible_person_and_thanks_the_customer(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_response(
            survey=world.nps, touchpoint=world.checkout, score=2, comment="Rude", customer_email="c@example.org"
        )
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == {"case_alert", "case_thank_you"}
    outbox_deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["c@example.org", "emma@example.com"]


def test_it_walks_the_five_steps_and_sends_the_report_once(world):
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=1, comment="Cold coffee", customer_email="c@example.org"
    )
    case = response.case
    assert case.step == Step.THANKED  # the automatic thank-you
    services.case_apologize(case=case, by=world.employee, apology="Sorry", compensation="free coffee")
    import datetime

    services.case_promise(
        case=case, by=world.employee, fix_promise="New machine", planned_fix_date=datetime.date(2026, 12, 1)
    )
    services.case_fix(case=case, by=world.employee, fix_description="Replaced the machine")
    services.case_report(
        case=case, by=world.employee, via="email", cause="Old machine", action_taken="Replaced the machine"
    )
    case.refresh_from_db()
    assert case.step == Step.RESOLVED
    assert outbox_deliver_due() == 3
    assert outbox_deliver_due() == 0
    report = OutboxMessage.objects.get(kind="case_report")
    assert "Replaced the machine" in report.body
    assert report.status == OutboxStatus.SENT


def test_it_refuses_steps_out_of_order(world):
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment="x").case
    with pytest.raises(services.CaseStepError):
        services.case_fix(case=case, by=world.employee, fix_description="done")
