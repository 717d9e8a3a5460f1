"""A token of one organization never reaches another's data; an employee sees only their locations."""

from otklik.testing.factories import make_response

from .conftest import COMPLAINT


def test_a_stranger_sees_none_of_another_organizations_answers_or_cases(world, api_as):
    answer = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT)
    api = api_as(world.stranger)
    assert api.get("/api/answers").json() == {"count": 0, "items": []}
    assert api.get("/api/cases").json() == {"count": 0, "items": []}
    assert api.get(f"/api/answers/{answer.pk}").status_code == 404
    assert api.get(f"/api/cases/{answer.case.pk}").status_code == 404


def test_a_stranger_sees_none_of_another_organizations_surveys_or_touchpoints(world, api_as):
    api = api_as(world.stranger)
    assert [s["id"] for s in api.get("/api/surveys").json()["items"]] == [world.stranger_nps.pk]
    assert [t["id"] for t in api.get("/api/touchpoints").json()["items"]] == [world.stranger_checkout.pk]


def test_filters_cannot_reach_another_organization(world, api_as):
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT)
    api = api_as(world.stranger)
    assert api.get("/api/answers", {"location_id": world.store.pk}).json()["count"] == 0
    assert api.get("/api/cases", {"location_id": world.store.pk}).json()["count"] == 0


def test_an_employee_sees_only_their_locations(world, api_as):
    mine = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT)
    theirs = make_response(survey=world.nps, touchpoint=world.other_checkout, score=1, comment=COMPLAINT)
    api = api_as(world.employee)
    assert [a["id"] for a in api.get("/api/answers").json()["items"]] == [mine.pk]
    assert [c["id"] for c in api.get("/api/cases").json()["items"]] == [mine.case.pk]
    assert [t["id"] for t in api.get("/api/touchpoints").json()["items"]] == [world.checkout.pk]
    assert api.get(f"/api/answers/{theirs.pk}").status_code == 404
    assert api.get(f"/api/cases/{theirs.case.pk}").status_code == 404


def test_a_viewer_sees_every_location(world, api_as):
    make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=COMPLAINT)
    make_response(survey=world.nps, touchpoint=world.other_checkout, score=1, comment=COMPLAINT)
    api = api_as(world.viewer)
    assert api.get("/api/answers").json()["count"] == 2
    assert api.get("/api/cases").json()["count"] == 2
