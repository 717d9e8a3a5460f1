"""Whoever receives an alert about a case can open it: one rule decides who may see a case."""

from otklik.cases.models import Case
from otklik.cases.tests.samples import SERVICE
from otklik.cases.visibility import case_visible_to
from otklik.messaging.models import OutboxMessage
from otklik.testing.factories import make_location, make_response, make_touchpoint


def test_an_employee_made_responsible_for_a_new_store_can_open_its_alerted_cases(world, client):
    new_store = make_location(organization=world.org, name="Riverside", responsible=world.employee)
    counter = make_touchpoint(location=new_store)
    response = make_response(survey=world.nps, touchpoint=counter, score=1, comment=SERVICE)
    case = Case.objects.get(response=response)
    assert OutboxMessage.objects.filter(case=case, kind="case_alert", recipient=world.employee.email).exists()
    assert case_visible_to(case=case, user=world.employee)

    client.force_login(world.employee)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert f"/cases/{case.pk}/" in client.get("/cases/").content.decode()


def test_an_employee_holding_a_case_elsewhere_can_open_it(world, client):
    response = make_response(survey=world.nps, touchpoint=world.other_checkout, score=1, comment=SERVICE)
    case = Case.objects.get(response=response)
    client.force_login(world.employee)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    Case.objects.filter(pk=case.pk).update(responsible=world.employee)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_other_employees_and_strangers_still_get_404(world, client):
    response = make_response(survey=world.nps, touchpoint=world.other_checkout, score=1, comment=SERVICE)
    case = Case.objects.get(response=response)
    assert not case_visible_to(case=case, user=world.employee)
    assert not case_visible_to(case=case, user=world.stranger)
    client.force_login(world.stranger)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
