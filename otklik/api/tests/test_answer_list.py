from datetime import timedelta

from django.utils import timezone

from otklik.surveys.models import Response
from otklik.testing.factories import make_response, make_survey

from .conftest import COMPLAINT, PRAISE


def answers_at(world, *scores_and_days):
    """Answers at the employee's checkout, `days` ago each (so their order is known)."""
    now = timezone.now()
    made = []
    for score, days in scores_and_days:
        answer = make_response(survey=world.nps, touchpoint=world.checkout, score=score, comment=COMPLAINT)
        Response.objects.filter(pk=answer.pk).update(created_at=now - timedelta(days=days))
        made.append(answer)
    return made


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_answers_newest_first(world, api_as):
    old, new, middle = answers_at(world, (9, 5), (3, 1), (7, 3))
    response = api_as(world.manager).get("/api/answers")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert ids(response) == [new.pk, middle.pk, old.pk]
    assert response.json()["items"][0]["case_id"] == new.case.pk


def test_it_paginates_with_limit_and_offset(world, api_as):
    answers = answers_at(world, *[(9, day) for day in range(5)])
    api = api_as(world.manager)
    page = api.get("/api/answers", {"limit": 2, "offset": 2})
    assert page.json()["count"] == 5
    assert ids(page) == [answers[2].pk, answers[3].pk]


def test_it_refuses_a_limit_above_the_maximum(world, api_as):
    response = api_as(world.manager).get("/api/answers", {"limit": 10_000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_it_filters_by_score(world, api_as):
    low, mid, high = answers_at(world, (2, 1), (7, 2), (10, 3))
    api = api_as(world.manager)
    assert ids(api.get("/api/answers", {"score_max": 6})) == [low.pk]
    assert ids(api.get("/api/answers", {"score_min": 7, "score_max": 8})) == [mid.pk]
    assert ids(api.get("/api/answers", {"score_min": 9})) == [high.pk]


def test_it_filters_by_period(world, api_as):
    recent, old = answers_at(world, (9, 1), (9, 10))
    since = (timezone.now() - timedelta(days=5)).isoformat()
    api = api_as(world.manager)
    assert ids(api.get("/api/answers", {"created_from": since})) == [recent.pk]
    assert ids(api.get("/api/answers", {"created_to": since})) == [old.pk]


def test_it_filters_by_kind_location_and_touchpoint(world, api_as):
    csat = make_survey(organization=world.org, kind="csat")
    nps_here = make_response(survey=world.nps, touchpoint=world.checkout, score=9, comment=PRAISE)
    csat_there = make_response(survey=csat, touchpoint=world.other_checkout, score=5, comment=PRAISE)
    api = api_as(world.manager)
    assert ids(api.get("/api/answers", {"kind": "csat"})) == [csat_there.pk]
    assert ids(api.get("/api/answers", {"location_id": world.store.pk})) == [nps_here.pk]
    assert ids(api.get("/api/answers", {"touchpoint_id": world.other_checkout.pk})) == [csat_there.pk]
    assert api.get("/api/answers", {"kind": "no-such-kind"}).status_code == 422


def test_it_shows_one_answer(world, api_as):
    answer = make_response(survey=world.nps, touchpoint=world.checkout, score=2, comment=COMPLAINT)
    response = api_as(world.manager).get(f"/api/answers/{answer.pk}")
    assert response.status_code == 200
    assert response.json()["comment"] == COMPLAINT
    assert response.json()["survey_key"] == world.nps.public_key
    assert response.json()["case_id"] == answer.case.pk


def test_it_gives_404_for_a_missing_answer(world, api_as):
    assert api_as(world.manager).get("/api/answers/999999").status_code == 404


def test_it_rejects_an_unknown_filter(world, api_as):
    response = api_as(world.manager).get("/api/answers", {"score_mn": 5})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "score_mn"], "msg": "Unknown query parameter.", "type": "value_error"}
    ]


def test_it_rejects_a_period_given_as_a_bare_number(world, api_as):
    response = api_as(world.manager).get("/api/answers", {"created_to": "0.5"})
    assert response.status_code == 422


def test_it_rejects_numbers_too_big_for_the_database(world, api_as):
    api = api_as(world.manager)
    assert api.get("/api/answers", {"offset": 2**70}).status_code == 422
    assert api.get("/api/answers", {"location_id": 2**70}).status_code == 422
    assert api.get(f"/api/answers/{2**70}").status_code == 422


def test_it_reads_a_far_offset_as_the_same_moment_in_utc(world, api_as):
    # Found by the schema fuzzer: PostgreSQL refuses an offset of +23:57 with a 500.
    api = api_as(world.manager)
    assert api.get("/api/answers", {"created_to": "0219-03-31T17:29:16.5-22:06"}).status_code == 200
    assert api.get("/api/answers", {"created_from": "1855-01-01T00:00:00+23:57"}).status_code == 200
    assert api.get("/api/answers", {"created_from": "0001-01-01T00:00:00+23:00"}).status_code == 422
