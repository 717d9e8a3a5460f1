import pytest

from otklik.cases.models import Case
from otklik.surveys.models import Response
from otklik.surveys.services import MAX_COMMENT
from otklik.surveys.tests.conftest import answer_url
from otklik.surveys.tests.texts import EN_COMPLAINT


def post(client, world, **data):
    return client.post(answer_url(world.nps, world.checkout), data)


def assert_nothing_stored():
    assert not Response.objects.exists()
    assert not Case.objects.exists()


def test_it_rejects_a_missing_score(client, world):
    page = post(client, world, comment=EN_COMPLAINT)
    assert page.status_code == 400
    html = page.content.decode()
    assert "Please choose a score." in html
    assert 'id="score-error"' in html
    assert_nothing_stored()


@pytest.mark.parametrize("score", ["11", "-1", "100"])
def test_it_rejects_a_score_out_of_range(client, world, score):
    page = post(client, world, score=score, comment=EN_COMPLAINT)
    assert page.status_code == 400
    assert "The score must be between 0 and 10." in page.content.decode()
    assert_nothing_stored()


@pytest.mark.parametrize("score", ["abc", "3.5", "٣x"])
def test_it_rejects_a_score_that_is_not_a_whole_number(client, world, score):
    page = post(client, world, score=score)
    assert page.status_code == 400
    assert "Please choose a whole number from 0 to 10." in page.content.decode()
    assert_nothing_stored()


def test_it_rejects_a_bad_email_and_keeps_what_was_typed(client, world):
    page = post(client, world, score="4", comment=EN_COMPLAINT, name="Ann", email="ann-at-example", phone="12345")
    assert page.status_code == 400
    html = page.content.decode()
    assert "Enter a valid e-mail address." in html
    assert 'id="email-error"' in html
    # The customer's text comes back (HTML-escaped) so nothing has to be typed twice.
    assert "Checkin desk not open !!!!! Why?!" in html
    assert 'value="ann-at-example"' in html
    assert 'value="Ann"' in html
    assert 'name="score" value="4" checked' in html
    assert_nothing_stored()


def test_it_rejects_a_too_long_comment(client, world):
    page = post(client, world, score="2", comment="x" * (MAX_COMMENT + 1))
    assert page.status_code == 400
    assert f"Please keep your answer under {MAX_COMMENT} characters." in page.content.decode()
    assert_nothing_stored()


def test_it_requires_a_comment_when_the_survey_does(client, world):
    world.nps.comment_required = True
    world.nps.save()
    page = post(client, world, score="9", comment="   ")
    assert page.status_code == 400
    assert "Please tell us why." in page.content.decode()
    assert_nothing_stored()


def test_a_required_comment_is_accepted_when_given(client, world):
    world.nps.comment_required = True
    world.nps.save()
    assert post(client, world, score="9", comment=EN_COMPLAINT).status_code == 303
    assert Response.objects.count() == 1


def test_it_shows_every_problem_at_once(client, world):
    html = post(client, world, score="abc", email="nope").content.decode()
    assert "Please choose a whole number from 0 to 10." in html
    assert "Enter a valid e-mail address." in html
    assert "Please choose a score." not in html
    assert_nothing_stored()
