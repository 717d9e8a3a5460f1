from otklik.cases import services
from otklik.testing.factories import make_response

from .conftest import COMPLAINT


def complaint(world, touchpoint=None):
    return make_response(survey=world.nps, touchpoint=touchpoint or world.checkout, score=2, comment=COMPLAINT).case


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_cases_newest_first_with_their_answer(world, api_as):
    first, second = complaint(world), complaint(world)
    response = api_as(world.manager).get("/api/cases")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert ids(response) == [second.pk, first.pk]
    item = response.json()["items"][0]
    assert item["answer_id"] == second.response_id
    assert item["responsible"] == "emma"
    assert item["step"] == "new"
    assert item["is_open"] is True


def test_it_filters_cases_by_step_and_openness(world, api_as):
    fresh, thanked = complaint(world), complaint(world)
    services.case_thank(case=thanked, by=world.employee, via="phone")
    api = api_as(world.manager)
    assert ids(api.get("/api/cases", {"step": "thanked"})) == [thanked.pk]
    assert ids(api.get("/api/cases", {"open": "true"})) == [thanked.pk, fresh.pk]
    assert ids(api.get("/api/cases", {"open": "false"})) == []
    assert api.get("/api/cases", {"step": "lost"}).status_code == 422


def test_it_filters_cases_by_location_and_responsible(world, api_as):
    here, there = complaint(world), complaint(world, touchpoint=world.other_checkout)
    api = api_as(world.manager)
    assert ids(api.get("/api/cases", {"location_id": world.other_store.pk})) == [there.pk]
    assert ids(api.get("/api/cases", {"responsible": "emma"})) == [here.pk]
    assert ids(api.get("/api/cases", {"responsible": "nobody"})) == []


def test_it_paginates_cases(world, api_as):
    cases = [complaint(world) for _ in range(3)]
    page = api_as(world.manager).get("/api/cases", {"limit": 1, "offset": 1})
    assert page.json()["count"] == 3
    assert ids(page) == [cases[1].pk]


def test_it_shows_a_case_with_its_events(world, api_as):
    case = complaint(world)
    services.case_thank(case=case, by=world.employee, via="phone", note="Called back")
    response = api_as(world.manager).get(f"/api/cases/{case.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["content"] == COMPLAINT
    assert body["thanked_via"] == "phone"
    assert [(e["step"], e["actor"]) for e in body["events"]] == [("new", None), ("thanked", "emma")]
    assert body["events"][1]["note"] == "Called back"


def test_it_gives_404_for_a_missing_case(world, api_as):
    assert api_as(world.manager).get("/api/cases/999999").status_code == 404


def test_it_refuses_a_nul_character_in_the_responsible_filter(world, api_as):
    # Found by the schema fuzzer: PostgreSQL cannot compare text with a NUL in it.
    assert api_as(world.manager).get("/api/cases", {"responsible": "a\x00b"}).status_code == 422


def test_it_shows_how_and_when_each_step_reached_the_customer(world, api_as):
    case = complaint(world)
    services.case_thank(case=case, by=world.employee, via="phone")
    services.case_apologize(case=case, by=world.employee, apology="We are sorry.", via="email")
    body = api_as(world.manager).get(f"/api/cases/{case.pk}").json()
    assert body["apology_via"] == "email" and body["apologized_at"] is not None
    assert (body["promise_via"], body["promised_at"], body["cause"], body["action_taken"]) == ("", None, "", "")
