"""The answers list: filters, scope, pagination and the marks on each row."""

import pytest

from otklik.dashboard.tests.helpers import COLD_DRINKS, LINE_TO_REBOOK, NEEDS_PILLOWS, WEBSITE_GLITCHES, answer, utc
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey


def shown(response) -> list[int]:
    return [r.pk for r in response.context["page_obj"]]


def test_it_asks_for_a_login(client, world):
    assert client.get("/answers/").status_code == 302


def test_it_says_when_there_are_no_answers(login, world):
    response = login(world.viewer).get("/answers/")
    assert response.status_code == 200
    assert b"No answers match the filter." in response.content


def test_it_shows_each_answer_with_its_place_customer_and_case(login, world):
    detractor = answer(
        survey=world.nps, touchpoint=world.checkout, score=2, comment=LINE_TO_REBOOK, customer_name="Ann Lee"
    )
    promoter = answer(survey=world.nps, touchpoint=world.other_checkout, score=10, comment=COLD_DRINKS)

    response = login(world.manager).get("/answers/")

    html = response.content.decode()
    assert shown(response) == [promoter.pk, detractor.pk]
    assert "Main Street · Checkout" in html and "Airport · Checkout" in html
    assert "Ann Lee" in html
    assert "in Denver to rebook" in html
    assert f'<a href="/cases/{detractor.case.pk}/">' in html
    assert '<span class="badge bad">2</span>' in html
    assert '<span class="badge ok">10</span>' in html
    assert "score derived from a sentiment label" not in html


def test_it_colours_passives_as_warnings(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=7)
    assert b'<span class="badge warn">7</span>' in login(world.manager).get("/answers/").content


def test_it_marks_a_score_derived_from_a_sentiment_label(login, world):
    derived = answer(survey=world.nps, touchpoint=world.checkout, score=9, comment=NEEDS_PILLOWS)
    Response.objects.filter(pk=derived.pk).update(score_is_derived=True)
    response = login(world.manager).get("/answers/")
    assert b"score derived from a sentiment label" in response.content


def test_it_filters_by_every_field(login, world):
    csat = make_survey(organization=world.org, kind="csat")
    rebook = answer(survey=world.nps, touchpoint=world.checkout, score=3, comment=LINE_TO_REBOOK, at=utc(2026, 1, 5))
    quiet = answer(survey=world.nps, touchpoint=world.checkout, score=9, at=utc(2026, 2, 5))
    glitches = answer(
        survey=world.nps, touchpoint=world.other_checkout, score=8, comment=WEBSITE_GLITCHES, at=utc(2026, 3, 5)
    )
    satisfied = answer(survey=csat, touchpoint=world.checkout, score=5, at=utc(2026, 3, 6))
    client = login(world.manager)

    def found(**params) -> set[int]:
        response = client.get("/answers/", params)
        assert response.status_code == 200
        return set(shown(response))

    assert found(kind="csat") == {satisfied.pk}
    assert found(survey=world.nps.pk) == {rebook.pk, quiet.pk, glitches.pk}
    assert found(location=world.other_store.pk) == {glitches.pk}
    assert found(touchpoint=world.checkout.pk) == {rebook.pk, quiet.pk, satisfied.pk}
    assert found(score_min=8, score_max=9) == {quiet.pk, glitches.pk}
    assert found(date_from="2026-02-01", date_to="2026-03-05") == {quiet.pk, glitches.pk}
    assert found(has_comment="yes") == {rebook.pk, glitches.pk}
    assert found(has_comment="no") == {quiet.pk, satisfied.pk}
    assert found(q="NIGHTMARE") == {glitches.pk}
    assert found(kind="nps", q="", location="", has_comment="") == {rebook.pk, quiet.pk, glitches.pk}


def test_it_pages_by_50_and_keeps_the_filter(login, world):
    for _ in range(51):
        answer(survey=world.nps, touchpoint=world.checkout, score=10)
    client = login(world.manager)

    first = client.get("/answers/", {"kind": "nps", "score_min": 9})
    second = client.get("/answers/", {"kind": "nps", "score_min": 9, "page": 2})

    assert len(shown(first)) == 50 and len(shown(second)) == 1
    assert b'href="?kind=nps&amp;score_min=9&amp;page=2"' in first.content
    assert b'href="?kind=nps&amp;score_min=9&amp;page=1"' in second.content


def test_a_bad_page_number_shows_a_page(login, world):
    answer(survey=world.nps, touchpoint=world.checkout, score=10)
    response = login(world.manager).get("/answers/", {"page": "many"})
    assert response.status_code == 200
    assert len(shown(response)) == 1


def test_an_employee_sees_only_their_locations_answers(login, world):
    mine = answer(survey=world.nps, touchpoint=world.checkout, score=10)
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, comment=WEBSITE_GLITCHES)

    response = login(world.employee).get("/answers/")

    assert shown(response) == [mine.pk]
    assert b"nightmare" not in response.content


def test_a_strangers_answers_never_appear(login, world):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    mine = answer(survey=world.nps, touchpoint=world.checkout, score=10, comment=COLD_DRINKS)

    response = login(world.manager).get("/answers/", {"q": "e"})

    assert shown(response) == [mine.pk]
    assert b"Denver" not in response.content and b"Rival" not in response.content


@pytest.mark.parametrize(
    "field, objects",
    [("location", "stranger_store"), ("touchpoint", "stranger_checkout"), ("survey", "stranger_nps")],
)
def test_a_strangers_object_in_the_filter_is_refused(login, world, field, objects):
    answer(survey=world.stranger_nps, touchpoint=world.stranger_checkout, score=0, comment=LINE_TO_REBOOK)
    response = login(world.manager).get("/answers/", {field: getattr(world, objects).pk})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert b"Denver" not in response.content


def test_an_employee_cannot_filter_by_another_location(login, world):
    answer(survey=world.nps, touchpoint=world.other_checkout, score=0, comment=WEBSITE_GLITCHES)
    response = login(world.employee).get("/answers/", {"touchpoint": world.other_checkout.pk})
    assert response.status_code == 400
    assert b"nightmare" not in response.content


@pytest.mark.parametrize(
    "params, message",
    [
        ({"score_min": "abc"}, b"Enter a whole number."),
        ({"score_max": "99999999999999999999"}, b"Ensure this value is less than or equal to 10."),
        ({"score_min": "8", "score_max": "3"}, b"The lowest score must not be above the highest."),
        ({"date_to": "31.02.2026"}, b"Enter a valid date."),
        ({"date_from": "2026-03-01", "date_to": "2026-01-01"}, b"The start of the period must not be after its end."),
        ({"location": "abc"}, b"Select a valid choice"),
        ({"location": "999999"}, b"Select a valid choice"),
        ({"kind": "mood"}, b"Select a valid choice"),
        ({"has_comment": "maybe"}, b"Select a valid choice"),
        ({"q": "x" * 201}, b"Ensure this value has at most 200 characters"),
    ],
)
def test_it_rejects_bad_filters_with_a_message(login, world, params, message):
    answer(survey=world.nps, touchpoint=world.checkout, score=10, comment=COLD_DRINKS)
    response = login(world.manager).get("/answers/", params)
    assert response.status_code == 400
    assert message in response.content
    assert b"cold drinks" not in response.content


def test_it_loads_a_page_of_answers_in_a_fixed_number_of_queries(login, world, django_assert_max_num_queries):
    for score in range(11):
        answer(survey=world.nps, touchpoint=world.checkout if score % 2 else world.other_checkout, score=score)
    client = login(world.manager)
    # Session, user, membership, form choices, count and page: never one query per row.
    with django_assert_max_num_queries(12):
        response = client.get("/answers/")
    assert len(shown(response)) == 11
