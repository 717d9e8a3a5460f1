"""Masked means masked (issue 13, item 8): insults reach API tokens only of those allowed originals."""

import pytest
from django.contrib.auth.models import Permission

from otklik.insights.tests import samples
from otklik.intake.complaints import complaint_open
from otklik.testing.factories import make_response

MAT = "626078112271500000"  # sentirueval2016-ru: "Ебала я эту связь, билайн говно, надо переходить на мтс."
MASKED = "Е**** я эту связь, билайн г****, надо переходить на мтс."


@pytest.fixture
def rude_answer(world):
    return make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=samples.russian(MAT))


@pytest.mark.parametrize("who", ["employee", "viewer"])
def test_answers_are_masked_for_employee_and_viewer_tokens(world, api_as, rude_answer, who):
    client = api_as(getattr(world, who))
    assert client.get(f"/api/answers/{rude_answer.pk}").json()["comment"] == MASKED
    [item] = [a for a in client.get("/api/answers").json()["items"] if a["id"] == rude_answer.pk]
    assert item["comment"] == MASKED


def test_answers_are_original_for_a_manager_token(world, api_as, rude_answer):
    assert api_as(world.manager).get(f"/api/answers/{rude_answer.pk}").json()["comment"] == samples.russian(MAT)


def test_the_permission_gives_a_viewer_token_the_original(world, api_as, rude_answer):
    world.viewer.user_permissions.add(Permission.objects.get(codename="view_original_text"))
    assert api_as(world.viewer).get(f"/api/answers/{rude_answer.pk}").json()["comment"] == samples.russian(MAT)


def test_cases_are_masked_for_an_employee_token(world, api_as):
    text = samples.russian("624623807320460000")  # "… наглые хамы, в Билайн …"
    case = complaint_open(location=world.store, content=text, notify=False)
    client = api_as(world.employee)
    detail = client.get(f"/api/cases/{case.pk}").json()
    assert "хамы" not in detail["content"] and "наглые х***" in detail["content"]
    [item] = [c for c in client.get("/api/cases").json()["items"] if c["id"] == case.pk]
    assert "хамы" not in item["content"]
    assert api_as(world.manager).get(f"/api/cases/{case.pk}").json()["content"] == text


def test_an_original_handed_to_a_manager_token_is_audited_once_per_request(world, api_as, rude_answer):
    from otklik.audit.models import AuditAction, AuditEvent

    client = api_as(world.manager)
    client.get("/api/answers")
    client.get(f"/api/answers/{rude_answer.pk}")
    events = AuditEvent.objects.filter(action=AuditAction.ORIGINAL_VIEWED).order_by("id")
    assert [(e.target, e.details["via"], e.actor) for e in events] == [
        ("/api/answers", "api", world.manager),
        (f"/api/answers/{rude_answer.pk}", "api", world.manager),
    ]
    api_as(world.employee).get(f"/api/answers/{rude_answer.pk}")  # masked: nothing to record
    assert events.count() == 2
