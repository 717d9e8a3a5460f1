"""The case page: one form for the next step, one POST URL per step, scoped to the member."""

import datetime

import pytest
from django.urls import reverse

from otklik.cases.models import Case, CaseEvent, Severity, Step
from otklik.cases.tests import samples
from otklik.messaging.models import OutboxMessage
from otklik.testing.factories import make_response

# Closing a case needs the cause and the action taken (C2).
CLOSING = {"cause": "The seat tray hinge was worn out.", "action_taken": "Tray replaced; hinges checked fleet-wide."}
STEP_URLS = ["thank", "apologize", "promise", "cannot_fix", "fix", "report", "assign"]


def open_case(world, *, touchpoint=None, comment=samples.SEAT, email="") -> Case:
    """A complaint with a name and phone; with an `email` the automatic thank-you already took step 1."""
    response = make_response(
        survey=world.nps,
        touchpoint=touchpoint or world.checkout,
        score=2,
        comment=comment,
        customer_name="Pat",
        customer_email=email,
        customer_phone="+1 555 0100",
    )
    return response.case


def url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", args=[case.pk])


def snapshot(case: Case) -> dict:
    """Everything a refused POST must leave untouched."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "fields": {f.attname: getattr(fresh, f.attname) for f in Case._meta.concrete_fields},
        "events": CaseEvent.objects.filter(case=case).count(),
        "messages": OutboxMessage.objects.filter(case=case).count(),
    }


def test_it_shows_the_complaint_fields(world, login):
    case = open_case(world)
    page = login(world.manager).get(url("detail", case))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ["Pat", "+1 555 0100", "4C", "Score 2", world.nps.name, "emma", "Not yet"]:
        assert text in html
    assert 'id="form-thank"' in html
    assert 'id="form-apologize"' not in html  # only the next step's form


def test_a_case_the_automatic_thank_you_answered_shows_it_and_asks_for_the_apology(world, login):
    case = open_case(world, email="c@example.org")
    html = login(world.manager).get(url("detail", case)).content.decode()
    assert "c@example.org" in html and "Thanked automatically by E-mail" in html
    assert 'id="form-thank"' not in html and 'id="form-apologize"' in html


def test_it_walks_all_five_steps_to_resolved(world, login):
    case = open_case(world, email="c@example.org")
    assert case.step == Step.THANKED  # the automatic thank-you by e-mail
    client = login(world.employee)

    steps = [
        ("apologize", {"apology": "We are sorry.", "compensation": "Seat upgrade"}, Step.APOLOGIZED, "form-promise"),
        ("promise", {"fix_promise": "Check seat 4C", "planned_fix_date": "2030-05-01"}, Step.PROMISED, "form-fix"),
        ("fix", {"fix_description": "Seat 4C tray repaired, all rows checked"}, Step.FIXED, "form-report"),
        ("report", {"via": "email", **CLOSING}, Step.RESOLVED, None),
    ]
    for name, data, expected_step, next_form in steps:
        answer = client.post(url(name, case), data)
        assert answer.status_code == 303, (name, answer.content.decode()[:2000])
        assert answer["Location"] == url("detail", case)
        case.refresh_from_db()
        assert case.step == expected_step
        page = client.get(url("detail", case))
        if next_form:
            assert f'id="{next_form}"' in page.content.decode()

    assert case.thanked_via == "email"
    assert case.compensation == "Seat upgrade"
    assert case.planned_fix_date == datetime.date(2030, 5, 1)
    assert case.report_via == "email" and case.report_sent_at is not None
    kinds = set(OutboxMessage.objects.filter(case=case, recipient="c@example.org").values_list("kind", flat=True))
    assert kinds == {"case_thank_you", "case_report"}
    report = OutboxMessage.objects.get(case=case, kind="case_report")
    assert CLOSING["cause"] in report.body and CLOSING["action_taken"] in report.body
    assert list(CaseEvent.objects.filter(case=case, actor=world.employee).values_list("step", flat=True)) == [
        Step.APOLOGIZED,
        Step.PROMISED,
        Step.FIXED,
        Step.RESOLVED,
    ]
    page = client.get(url("detail", case)).content.decode()
    assert 'id="next-step"' not in page
    assert "Seat upgrade" in page


def test_it_follows_the_cannot_be_fixed_path(world, login):
    case = open_case(world, comment=samples.WIFI, email="c@example.org")
    client = login(world.manager)
    client.post(url("apologize", case), {"apology": "Sorry for the trouble."})

    answer = client.post(
        url("cannot_fix", case), {"cannot_fix": "on", "explanation": "Wifi pricing is set by the provider."}
    )
    assert answer.status_code == 303
    case.refresh_from_db()
    assert case.step == Step.PROMISED and case.cannot_fix and case.planned_fix_date is None
    page = client.get(url("detail", case)).content.decode()
    assert 'id="form-report"' in page and 'id="form-fix"' not in page

    assert client.post(url("fix", case), {"fix_description": "nothing"}).status_code == 400
    assert client.post(url("report", case), {"via": "post", **CLOSING}).status_code == 303
    case.refresh_from_db()
    assert case.step == Step.RESOLVED
    honest = OutboxMessage.objects.get(case=case, kind="case_cannot_fix")
    assert "Wifi pricing is set by the provider." in honest.body
    assert not OutboxMessage.objects.filter(case=case, kind="case_report").exists()


def test_it_needs_the_box_ticked_to_say_it_cannot_be_fixed(world, login):
    case = open_case(world)
    case.step = Step.APOLOGIZED
    case.save()
    before = snapshot(case)
    answer = login(world.manager).post(url("cannot_fix", case), {"explanation": "No."})
    assert answer.status_code == 400
    assert snapshot(case) == before


def test_it_refuses_a_promise_without_a_date(world, login):
    case = open_case(world)
    case.step = Step.APOLOGIZED
    case.save()
    before = snapshot(case)
    answer = login(world.manager).post(url("promise", case), {"fix_promise": "Fix it"})
    assert answer.status_code == 400
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("apologize", {"apology": "Sorry"}),
        ("promise", {"fix_promise": "x", "planned_fix_date": "2030-01-01"}),
        ("cannot_fix", {"cannot_fix": "on", "explanation": "x"}),
        ("fix", {"fix_description": "x"}),
        ("report", {"via": "email", **CLOSING}),
    ],
)
def test_it_refuses_a_step_out_of_order_and_changes_nothing(world, login, name, data):
    case = open_case(world)
    before = snapshot(case)
    answer = login(world.manager).post(url(name, case), data)
    assert answer.status_code == 400
    assert "This step needs the case to be at" in answer.content.decode()
    assert snapshot(case) == before


def test_it_refuses_thanking_twice(world, login):
    case = open_case(world)
    client = login(world.manager)
    assert client.post(url("thank", case), {"via": "phone"}).status_code == 303
    before = snapshot(case)
    assert client.post(url("thank", case), {"via": "post"}).status_code == 400
    assert snapshot(case) == before


def test_it_shows_form_errors_with_status_400(world, login):
    case = open_case(world)
    answer = login(world.manager).post(url("thank", case), {"via": "pigeon"})
    assert answer.status_code == 400
    assert 'id="form-thank"' in answer.content.decode()
    assert Case.objects.get(pk=case.pk).step == Step.NEW


def test_it_says_the_report_goes_by_email_when_the_customer_left_one(world, login):
    case = open_case(world, email="c@example.org")
    Case.objects.filter(pk=case.pk).update(step=Step.FIXED)
    page = login(world.manager).get(url("detail", case)).content.decode()
    assert "so the written report also goes to c@example.org automatically" in page

    silent = open_case(world, email="", comment=samples.GATE)
    Case.objects.filter(pk=silent.pk).update(step=Step.FIXED)
    page = login(world.manager).get(url("detail", silent)).content.decode()
    assert "The customer left no e-mail address" in page


def test_a_manager_assigns_the_case(world, login):
    case = open_case(world)
    answer = login(world.manager).post(
        url("assign", case),
        {"responsible": world.owner.pk, "severity": Severity.HIGH, "planned_fix_date": "2030-02-03"},
    )
    assert answer.status_code == 303
    case.refresh_from_db()
    assert (case.responsible, case.severity, case.planned_fix_date) == (
        world.owner,
        Severity.HIGH,
        datetime.date(2030, 2, 3),
    )


def test_the_responsible_employee_may_assign_but_other_employees_may_not(world, login):
    case = open_case(world)  # emma holds it (she is responsible for Main Street)
    data = {"responsible": world.manager.pk, "severity": Severity.LOW}
    assert 'id="form-assign"' in login(world.employee).get(url("detail", case)).content.decode()
    assert login(world.employee).post(url("assign", case), data).status_code == 303
    case.refresh_from_db()
    assert case.responsible == world.manager
    # Now she no longer holds it.
    assert 'id="form-assign"' not in login(world.employee).get(url("detail", case)).content.decode()
    assert login(world.employee).post(url("assign", case), data).status_code == 403


def test_it_refuses_a_responsible_person_from_another_organization(world, login):
    case = open_case(world)
    before = snapshot(case)
    answer = login(world.manager).post(url("assign", case), {"responsible": world.stranger.pk, "severity": "low"})
    assert answer.status_code == 400
    assert snapshot(case) == before


def test_an_employee_sees_her_locations_case_but_not_another_locations(world, login):
    own = open_case(world)
    other = open_case(world, touchpoint=world.other_checkout, comment=samples.LUGGAGE)
    client = login(world.employee)
    assert client.get(url("detail", own)).status_code == 200
    for name in ["detail", *STEP_URLS]:
        assert client.post(url(name, other), {"via": "phone"}).status_code == 404, name
    assert client.get(url("detail", other)).status_code == 404


def test_a_viewer_reads_but_cannot_post(world, login):
    case = open_case(world)
    client = login(world.viewer)
    page = client.get(url("detail", case))
    assert page.status_code == 200
    assert 'id="form-thank"' not in page.content.decode()
    assert 'id="form-assign"' not in page.content.decode()
    before = snapshot(case)
    for name in STEP_URLS:
        assert client.post(url(name, case), {"via": "phone"}).status_code == 403, name
    assert snapshot(case) == before


def test_a_stranger_gets_404_on_every_case_url(world, login):
    case = open_case(world)
    client = login(world.stranger)
    for name in ["detail", *STEP_URLS]:
        assert client.get(url(name, case)).status_code == 404, name
        assert client.post(url(name, case), {"via": "phone"}).status_code == 404, name
    assert Case.objects.get(pk=case.pk).step == Step.NEW


def test_an_anonymous_visitor_is_sent_to_log_in(world, client):
    case = open_case(world)
    answer = client.get(url("detail", case))
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_step_url_answers_get_with_405(world, login):
    case = open_case(world)
    assert login(world.manager).get(url("thank", case)).status_code == 405


def test_the_case_page_shows_the_customers_segment_and_tags(world, login):
    from otklik.cases.tests.samples import SEAT
    from otklik.intake.complaints import complaint_open
    from otklik.testing.factories import make_customer

    customer = make_customer(organization=world.org, segment="at_risk", tags=["VIP"])
    case = complaint_open(location=world.store, content=SEAT, customer=customer)
    html = login(world.employee).get(f"/cases/{case.pk}/").content.decode()
    segment = html.split('id="case-segment">')[1].split("</dd>")[0]
    # The segment's name in the reader's language, never its stored code.
    assert "At risk" in segment and "at_risk" not in segment and "VIP" in segment


def test_a_case_cannot_name_another_organizations_customer(world):
    import pytest
    from django.core.exceptions import ValidationError

    from otklik.cases.models import Case
    from otklik.cases.tests.samples import SEAT
    from otklik.intake.complaints import complaint_open
    from otklik.testing.factories import make_customer

    with pytest.raises(ValidationError):
        complaint_open(location=world.store, content=SEAT, customer=make_customer(organization=world.other_org))
    assert not Case.objects.exists()
