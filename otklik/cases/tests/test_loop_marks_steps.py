"""Issue 17: the loop tells the truth — every thank-you, apology, promise and report marks its step,
and the report the customer reads carries the cause and the measures typed at step 5."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from otklik.cases import services
from otklik.cases.models import Case, CaseEvent, Step
from otklik.cases.tests.samples import LUGGAGE, SEAT
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_deliver_due, template_save
from otklik.sla.selectors import case_sla_state
from otklik.testing.factories import make_response

CAUSE = "The hinge of the tray table in row 4 was bent."
MEASURES = "Every tray table on the fleet was checked and the bent ones replaced."


def test_the_automatic_thank_you_marks_the_case_thanked_with_its_time_and_channel(world):
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT, customer_email="c@example.org"
    )
    case = Case.objects.get(response=response)
    thank_you = OutboxMessage.objects.get(case=case, kind="case_thank_you")
    assert case.step == Step.THANKED
    assert (case.thanked_via, case.thanked_at) == ("email", thank_you.created_at)
    assert CaseEvent.objects.filter(case=case, step=Step.THANKED, actor=None).exists()


def test_an_automatically_thanked_case_is_answered_within_its_sla(world):
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT, customer_email="c@example.org"
    )
    state = case_sla_state(case=Case.objects.get(response=response), now=timezone.now())
    assert state.first_answer_at is not None and not state.first_answer_breached


def test_a_case_without_a_way_to_reach_the_customer_stays_new(world):
    response = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT)
    case = Case.objects.get(response=response)
    assert (case.step, case.thanked_at) == (Step.NEW, None)


def test_historical_answers_that_queue_nothing_are_not_marked(world):
    from otklik.intake.answers import answer_receive
    from otklik.surveys.services import AnswerInput

    response = answer_receive(
        survey=world.nps,
        touchpoint=world.checkout,
        answer=AnswerInput(score=1, comment=SEAT, customer_email="c@example.org"),
        notify=False,
    )
    assert Case.objects.get(response=response).step == Step.NEW


def test_apology_and_promise_keep_their_time_and_channel(world):
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=LUGGAGE).case
    services.case_thank(case=case, by=world.employee, via="phone")
    services.case_apologize(case=case, by=world.employee, apology="We are sorry.", via="phone")
    services.case_promise(
        case=case,
        by=world.employee,
        fix_promise="A new suitcase.",
        planned_fix_date=datetime.date(2026, 12, 20),
        via="email",
    )
    case.refresh_from_db()
    assert case.apology_via == "phone" and case.apologized_at is not None
    assert case.promise_via == "email" and case.promised_at is not None


def test_an_unknown_way_of_apologizing_is_refused_and_changes_nothing(world):
    case = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=LUGGAGE).case
    services.case_thank(case=case, by=world.employee, via="phone")
    with pytest.raises(services.CaseStepError):
        services.case_apologize(case=case, by=world.employee, apology="Sorry", via="pigeon")
    case.refresh_from_db()
    assert case.step == Step.THANKED


def _walk_to_report(world, *, language: str = "en") -> Case:
    response = make_response(
        survey=world.nps,
        touchpoint=world.checkout,
        score=1,
        comment=SEAT,
        customer_email="c@example.org",
        language=language,
    )
    case = response.case
    services.case_apologize(case=case, by=world.employee, apology="Sorry")
    services.case_promise(
        case=case, by=world.employee, fix_promise="Fix the tray", planned_fix_date=datetime.date(2026, 12, 20)
    )
    services.case_fix(case=case, by=world.employee, fix_description="Fixed")
    return case


@pytest.mark.parametrize(
    "language, cause_label, measures_label",
    [
        ("en", "The cause we found", "What we did"),
        ("ru", "Причина проблемы", "Принятые меры"),
        ("uk", "Причина проблеми", "Вжиті заходи"),
    ],
)
def test_the_report_carries_the_cause_and_the_measures_in_the_customers_language(
    world, language, cause_label, measures_label
):
    case = _walk_to_report(world, language=language)
    services.case_report(case=case, by=world.employee, via="email", cause=CAUSE, action_taken=MEASURES)
    outbox_deliver_due()
    report = [m for m in mail.outbox if m.to == ["c@example.org"] and CAUSE in m.body]
    assert len(report) == 1
    assert f"{cause_label}: {CAUSE}" in report[0].body and f"{measures_label}: {MEASURES}" in report[0].body


def test_an_organizations_own_report_template_still_carries_the_cause_and_the_measures(world):
    template_save(
        organization=world.org,
        kind="case_report",
        language="en",
        subject="We fixed it",
        body="Dear {customer_name}, here is what we did: {what_was_done}",
    )
    case = _walk_to_report(world)
    services.case_report(case=case, by=world.employee, via="email", cause=CAUSE, action_taken=MEASURES)
    body = OutboxMessage.objects.get(case=case, kind="case_report").body
    assert CAUSE in body and MEASURES in body


def test_the_report_edited_after_the_preview_is_the_one_sent(world):
    case = _walk_to_report(world)
    preview = services.case_report_preview(case=case, cause=CAUSE, action_taken=MEASURES)
    assert CAUSE in preview and MEASURES in preview
    case.refresh_from_db()
    assert case.cause == "" and case.step == Step.FIXED  # a preview saves nothing
    edited = preview.replace("Dear customer", "Dear Ms Roe")
    services.case_report(case=case, by=world.employee, via="email", cause=CAUSE, action_taken=MEASURES, message=edited)
    assert OutboxMessage.objects.get(case=case, kind="case_report").body.startswith("Dear Ms Roe")


def test_the_report_page_previews_the_message_with_the_typed_cause_and_measures(world, login):
    case = _walk_to_report(world)
    client = login(world.employee)
    page = client.post(
        f"/cases/{case.pk}/report/",
        {"via": "email", "cause": CAUSE, "action_taken": MEASURES, "preview": "1"},
    )
    assert page.status_code == 200
    box = page.context["step_forms"]["report"]["message"].value()
    assert CAUSE in box and MEASURES in box
    case.refresh_from_db()
    assert case.step == Step.FIXED


def test_a_stranger_cannot_preview_a_report(world, login):
    case = _walk_to_report(world)
    client = login(world.stranger)
    page = client.post(
        f"/cases/{case.pk}/report/", {"via": "email", "cause": CAUSE, "action_taken": MEASURES, "preview": "1"}
    )
    assert page.status_code == 404


def test_the_metrics_count_the_automatic_thank_you_as_an_answer_within_the_sla(world):
    from otklik.dashboard.metrics import Scope, metrics_total

    make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT, customer_email="c@example.org")
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=LUGGAGE)  # no contact: unanswered
    total = metrics_total(scope=Scope(membership=world.manager.memberships.get()))
    assert (total.cases, total.cases_answered, total.answered_share) == (2, 1, 50.0)
    assert total.first_answer_median_h < 0.01  # answered within seconds, not "never"


def test_the_migration_marks_the_cases_whose_thank_you_was_already_sent(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("otklik.cases.migrations.0005_case_steps_time_and_channel")
    response = make_response(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=SEAT, customer_email="c@example.org"
    )
    outbox_deliver_due()
    sent = OutboxMessage.objects.get(kind="case_thank_you")
    # As a case was before this change: still new although its thank-you went out.
    Case.objects.filter(response=response).update(step=Step.NEW, thanked_at=None, thanked_via="")
    migration.mark_thanked_cases(apps, None)
    case = Case.objects.get(response=response)
    assert (case.step, case.thanked_at, case.thanked_via) == (Step.THANKED, sent.sent_at, "email")
