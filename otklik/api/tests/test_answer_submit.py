from otklik.cases.models import Case
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey

from .conftest import COMPLAINT, PRAISE


def payload(world, **overrides) -> dict:
    return {
        "survey": world.nps.public_key,
        "touchpoint": world.checkout.public_key,
        "score": 3,
        "comment": COMPLAINT,
        "customer_email": "customer@example.org",
        **overrides,
    }


def test_it_stores_an_answer_and_opens_a_case_for_a_detractor(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    answer = Response.objects.get()
    assert body["id"] == answer.pk
    assert body["source"] == answer.source == "api"
    assert body["score"] == 3
    assert body["location_id"] == world.store.pk
    assert body["case_id"] == Case.objects.get(response=answer).pk


def test_it_opens_no_case_for_a_promoter(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, score=10, comment=PRAISE))
    assert response.status_code == 201
    assert response.json()["case_id"] is None
    assert not Case.objects.exists()


def test_it_accepts_ids_instead_of_keys(world, api_as):
    response = api_as(world.manager).post(
        "/api/answers", payload(world, survey=world.nps.pk, touchpoint=world.checkout.pk)
    )
    assert response.status_code == 201
    assert response.json()["touchpoint_id"] == world.checkout.pk


def test_it_returns_the_stored_answer_for_a_repeated_external_id(world, api_as):
    api = api_as(world.manager)
    first = api.post("/api/answers", payload(world, external_id="570035876845084672"))
    again = api.post("/api/answers", payload(world, external_id="570035876845084672", score=9, comment=PRAISE))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Response.objects.count() == 1
    assert Case.objects.count() == 1
    assert Response.objects.get().score == 3


def test_it_rejects_bad_score(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, score=11))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload", "score"]
    assert error["msg"] == "The score must be between 0 and 10."
    assert not Response.objects.exists()
    assert not Case.objects.exists()


def test_it_rejects_a_score_that_is_not_a_number(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, score="very bad"))
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_it_rejects_a_bad_email(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, customer_email="not an address"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "customer_email"]
    assert not Response.objects.exists()


def test_it_rejects_a_survey_of_another_organization(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, survey=world.stranger_nps.public_key))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "survey"]
    assert not Response.objects.exists()


def test_it_rejects_a_survey_id_of_another_organization(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, survey=world.stranger_nps.pk))
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_it_rejects_a_touchpoint_of_another_organization(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, touchpoint=world.stranger_checkout.public_key))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "touchpoint"]
    assert not Response.objects.exists()


def test_it_rejects_an_unknown_survey(world, api_as):
    response = api_as(world.manager).post("/api/answers", payload(world, survey="no-such-key"))
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_it_rejects_a_closed_survey(world, api_as):
    world.nps.is_open = False
    world.nps.save()
    response = api_as(world.manager).post("/api/answers", payload(world))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "This survey is closed for answers."
    assert not Response.objects.exists()


def test_it_checks_the_score_against_the_surveys_own_scale(world, api_as):
    csat = make_survey(organization=world.org, kind="csat")
    response = api_as(world.manager).post("/api/answers", payload(world, survey=csat.public_key, score=7))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "The score must be between 1 and 5."


def test_an_employee_may_submit_only_for_their_locations(world, api_as):
    api = api_as(world.employee)
    assert api.post("/api/answers", payload(world)).status_code == 201
    response = api.post("/api/answers", payload(world, touchpoint=world.other_checkout.public_key))
    assert response.status_code == 422
    assert Response.objects.count() == 1


def test_an_employee_cannot_read_another_locations_answer_through_its_external_id(world, api_as):
    api_as(world.manager).post(
        "/api/answers", payload(world, touchpoint=world.other_checkout.public_key, external_id="x-1")
    )
    response = api_as(world.employee).post("/api/answers", payload(world, external_id="x-1"))
    assert response.status_code == 409
    assert "comment" not in response.json()
    assert Response.objects.count() == 1


def test_a_viewer_cannot_submit(world, api_as):
    response = api_as(world.viewer).post("/api/answers", payload(world))
    assert response.status_code == 403
    assert not Response.objects.exists()
