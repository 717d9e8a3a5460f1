"""Complaints recorded by hand (hotline, complaints book, visit, review site): the same workflow as a survey's."""

import datetime

from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Case, Step
from otklik.cases.tests import samples
from otklik.messaging.models import OutboxMessage

NEW = reverse("cases:create")


def complaint(world, **fields) -> dict:
    data = {
        "source": "hotline",
        "location": world.store.pk,
        "customer_name": "Pat",
        "customer_email": "pat@example.org",
        "customer_phone": "+1 555 0100",
        "content": samples.LUGGAGE,
        "severity": "high",
        "received_at": "2025-02-20T09:30",
    }
    data.update(fields)
    return data


def test_a_manager_records_a_hotline_complaint_as_a_case(world, login, django_capture_on_commit_callbacks):
    answer = login(world.manager).post(NEW, complaint(world, touchpoint=world.checkout.pk))
    assert answer.status_code == 303
    case = Case.objects.get()
    assert answer["Location"] == reverse("cases:detail", args=[case.pk])
    # The customer left an e-mail: the automatic thank-you answered them at once.
    assert (case.source, case.step, case.severity, case.response) == ("hotline", Step.THANKED, "high", None)
    assert case.thanked_via == "email"
    assert (case.location, case.touchpoint, case.responsible) == (world.store, world.checkout, world.employee)
    assert case.created_at.date() == datetime.date(2025, 2, 20)
    assert case.events.first().actor == world.manager
    kinds = sorted(OutboxMessage.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["case_alert", "case_thank_you"]
    page = login(world.manager).get(answer["Location"]).content.decode()
    assert 'id="case-source"' in page and "Hotline call" in page


def test_an_employee_records_a_complaint_for_their_own_location_only(world, login):
    client = login(world.employee)
    assert client.post(NEW, complaint(world, source="paper_book")).status_code == 303
    refused = client.post(NEW, complaint(world, location=world.other_store.pk))
    assert refused.status_code == 400
    assert "location" in refused.context["form"].errors
    assert list(Case.objects.values_list("location", "source")) == [(world.store.pk, "paper_book")]


def test_it_refuses_a_touchpoint_of_another_location_and_a_date_in_the_future(world, login):
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    answer = login(world.manager).post(NEW, complaint(world, touchpoint=world.other_checkout.pk, received_at=tomorrow))
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"touchpoint", "received_at"}
    assert not Case.objects.exists()


def test_it_refuses_a_survey_as_a_hand_recorded_source(world, login):
    answer = login(world.manager).post(NEW, complaint(world, source="survey"))
    assert answer.status_code == 400
    assert not Case.objects.exists()


def test_a_viewer_cannot_record_a_complaint(world, login):
    assert login(world.viewer).get(NEW).status_code == 403
    assert login(world.viewer).post(NEW, complaint(world)).status_code == 403


def test_a_stranger_cannot_record_a_complaint_at_our_location(world, login):
    answer = login(world.stranger).post(NEW, complaint(world))
    assert answer.status_code == 400
    assert not Case.objects.exists()


def test_the_case_list_offers_recording_and_import_by_role(world, login):
    manager_page = login(world.manager).get(reverse("cases:list")).content.decode()
    assert reverse("cases:create") in manager_page and reverse("cases:import") in manager_page
    employee_page = login(world.employee).get(reverse("cases:list")).content.decode()
    assert reverse("cases:create") in employee_page and reverse("cases:import") not in employee_page
