from django.urls import reverse

from otklik.cases.models import Case
from otklik.intake.answers import answers_process_pending
from otklik.messaging.models import OutboxMessage
from otklik.surveys.models import Response
from otklik.surveys.tests.conftest import answer_url
from otklik.surveys.tests.texts import EN_COMPLAINT
from otklik.testing.factories import make_survey


def test_it_shows_the_question_with_the_organization_name(client, world):
    page = client.get(answer_url(world.nps, world.checkout))
    assert page.status_code == 200
    html = page.content.decode()
    assert "How likely are you to recommend Acme Coffee to a friend or colleague?" in html
    assert "Why did you give this score?" in html
    for score in range(11):
        assert f'name="score" value="{score}"' in html
    assert 'name="website"' in html
    assert "Not at all likely" in html and "Extremely likely" in html


def test_it_does_not_use_the_staff_layout(client, world):
    html = client.get(answer_url(world.nps, world.checkout)).content.decode()
    assert "topbar" not in html
    assert "app.css" not in html
    assert "<script" not in html


def test_the_page_with_its_css_is_under_30_kb(client, world):
    page = client.get(answer_url(world.nps, world.checkout))
    assert len(page.content) < 30_000


def test_the_page_with_errors_is_under_30_kb(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "x", "email": "bad", "comment": "y" * 10})
    assert page.status_code == 400
    assert len(page.content) < 30_000


def test_it_accepts_an_answer_and_opens_a_case_for_a_detractor(client, world):
    page = client.post(
        answer_url(world.nps, world.checkout),
        {
            "score": "3",
            "comment": EN_COMPLAINT,
            "name": "Ann",
            "email": "ann@example.org",
            "phone": "+380501234567",
            "contact_consent": "1",
        },
    )
    assert page.status_code == 303
    thanks = reverse("surveys:thanks", args=[world.nps.public_key, world.checkout.public_key])
    assert page["Location"].startswith(thanks + "?lang=en&a=")
    response = Response.objects.get()
    assert (response.score, response.comment, response.touchpoint, response.location) == (
        3,
        EN_COMPLAINT,
        world.checkout,
        world.store,
    )
    assert (response.customer_name, response.customer_email, response.customer_phone) == (
        "Ann",
        "ann@example.org",
        "+380501234567",
    )
    assert response.source == "web"
    # The request stored the answer and left its case to the worker (decision 0024).
    assert response.rules_pending and not Case.objects.exists()
    assert answers_process_pending() == 1
    case = Case.objects.get(response=response)
    assert case.content == EN_COMPLAINT
    assert case.responsible == world.employee


def test_it_queues_the_alert_and_the_thank_you(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            answer_url(world.nps, world.checkout),
            {"score": "3", "comment": "x", "email": "c@example.org", "contact_consent": "1"},
        )
        answers_process_pending()
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {"case_alert", "case_thank_you"}


def test_it_accepts_a_promoter_without_a_comment_and_opens_no_case(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "10"})
    assert page.status_code == 303
    assert Response.objects.get().score == 10
    assert not Case.objects.exists()


def test_it_shows_a_small_thank_you_page(client, world):
    page = client.get(reverse("surveys:thanks", args=[world.nps.public_key, world.checkout.public_key]))
    assert page.status_code == 200
    assert "Thank you for your answer!" in page.content.decode()
    assert len(page.content) < 30_000


def test_it_returns_404_for_an_unknown_survey_key(client, world):
    page = client.get(reverse("surveys:answer", args=["nope", world.checkout.public_key]))
    assert page.status_code == 404


def test_it_returns_404_for_an_unknown_touchpoint_key(client, world):
    assert client.get(reverse("surveys:answer", args=[world.nps.public_key, "nope"])).status_code == 404


def test_it_returns_404_when_the_keys_belong_to_different_organizations(client, world):
    url = answer_url(world.nps, world.stranger_checkout)
    assert client.get(url).status_code == 404
    assert client.post(url, {"score": "3"}).status_code == 404
    assert not Response.objects.exists()


def test_a_closed_survey_says_so_and_stores_nothing(client, world):
    world.nps.is_open = False
    world.nps.save()
    url = answer_url(world.nps, world.checkout)
    page = client.get(url)
    assert page.status_code == 410
    assert "This survey is closed" in page.content.decode()
    assert client.post(url, {"score": "3", "comment": "x"}).status_code == 410
    assert not Response.objects.exists()


def test_a_yes_no_scale_shows_words_on_the_boxes(client, world):
    survey = make_survey(organization=world.org, kind="readiness")
    html = client.get(answer_url(survey, world.checkout)).content.decode()
    assert 'value="0"' in html and 'value="1"' in html
    assert "<span>No</span>" in html and "<span>Yes</span>" in html
