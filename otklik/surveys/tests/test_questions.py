"""Surveys with several questions: the product letter, show-if by score, choices, and the readiness "no"."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from otklik.cases.case_rules import case_rule_set
from otklik.cases.models import Case
from otklik.intake.answers import answer_receive
from otklik.surveys import questions
from otklik.surveys.models import QuestionAnswer, QuestionKind, Response, SurveyQuestion
from otklik.surveys.services import AnswerInput
from otklik.surveys.tests.conftest import answer_url
from otklik.surveys.tests.texts import (
    EN_NO_RESPONSE,
    RU_PRODUCT_FIX,
    RU_PRODUCT_LIKED,
    UK_PRODUCT_ADD,
    UK_PRODUCT_FIX,
    UK_PRODUCT_LIKED,
)
from otklik.testing.factories import make_survey


@pytest.fixture
def letter(world):
    return make_survey(organization=world.org, kind="product_letter")


def test_the_product_letter_is_a_grade_with_three_questions(letter):
    assert (letter.kind, letter.template) == ("grade", "product_letter")
    assert [q.text_key for q in letter.questions.all()] == ["product.add", "product.liked"]
    assert letter.case_rule.needs_text is False


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "en",
            [
                "What grade would you give it?",
                "What shortcomings should we fix?",
                "What should we add?",
                "What did you especially like?",
            ],
        ),
        (
            "ru",
            [
                "Какую оценку вы ей поставите?",
                "Какие недостатки нужно устранить?",
                "Что нужно добавить?",
                "Что вам особенно понравилось?",
            ],
        ),
        (
            "uk",
            [
                "Яку оцінку ви їй поставите?",
                "Які недоліки потрібно усунути?",
                "Що потрібно додати?",
                "Що вам особливо сподобалося?",
            ],
        ),
    ],
)
def test_the_product_letter_asks_its_four_questions_in_each_language(client, world, letter, lang, texts):
    page = client.get(answer_url(letter, world.checkout) + f"?lang={lang}")
    html = page.content.decode()
    for text in texts:
        assert text in html
    assert len(page.content) < 30_000


def test_answers_to_every_question_are_stored_and_feed_the_open_text(client, world, letter):
    add, liked = letter.questions.all()
    page = client.post(
        answer_url(letter, world.checkout),
        {
            "score": "5",
            "comment": UK_PRODUCT_FIX,
            f"q{add.pk}": UK_PRODUCT_ADD,
            f"q{liked.pk}": UK_PRODUCT_LIKED,
            "lang": "uk",
        },
    )
    assert page.status_code == 303
    response = Response.objects.get()
    assert response.comment == UK_PRODUCT_FIX
    assert [(a.question_id, a.text) for a in response.answers.all()] == [
        (add.pk, UK_PRODUCT_ADD),
        (liked.pk, UK_PRODUCT_LIKED),
    ]
    # The label is kept as the customer saw it, in their language.
    assert response.answers.first().label == "Що потрібно додати?"
    # Theme tagging, digests and loyalty factors read the second answer: the open answers are there.
    assert UK_PRODUCT_ADD in response.second_answer and UK_PRODUCT_LIKED in response.second_answer


def test_the_staff_answer_page_shows_every_answer(login, world, letter):
    add, liked = letter.questions.all()
    response = answer_receive(
        survey=letter,
        touchpoint=world.checkout,
        answer=AnswerInput(
            score=2, comment=RU_PRODUCT_FIX, language="ru", extra={add.pk: "", liked.pk: RU_PRODUCT_LIKED}
        ),
    )
    html = login(world.manager).get(reverse("insights:answer", args=[response.pk])).content.decode()
    assert RU_PRODUCT_FIX in html and RU_PRODUCT_LIKED in html
    # A low grade opens a case, and the case shows the extra answers too.
    case = Case.objects.get(response=response)
    case_html = login(world.manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert RU_PRODUCT_LIKED in case_html


def test_a_question_shown_only_for_low_scores_is_ignored_for_a_high_one(world):
    survey = world.nps
    fix = questions.question_add(survey=survey, kind="text", text="What should we fix?", show_max=6)
    high = answer_receive(
        survey=survey, touchpoint=world.checkout, answer=AnswerInput(score=10, extra={f"q{fix.pk}": EN_NO_RESPONSE})
    )
    assert not high.answers.exists() and high.second_answer == ""
    low = answer_receive(
        survey=survey, touchpoint=world.checkout, answer=AnswerInput(score=3, extra={f"q{fix.pk}": EN_NO_RESPONSE})
    )
    assert low.answers.get().text == EN_NO_RESPONSE


def test_the_page_marks_show_if_questions_for_the_script(client, world):
    fix = questions.question_add(survey=world.nps, kind="text", text="What should we fix?", show_max=6)
    html = client.get(answer_url(world.nps, world.checkout)).content.decode()
    assert f'id="q{fix.pk}-box" data-show=":6"' in html
    assert "<script>" in html


def test_choices_yes_no_and_scores_are_checked_and_stored(client, world):
    survey = world.nps
    one = questions.question_add(survey=survey, kind="single", text="Where?", options=["Shop", "Online"])
    many = questions.question_add(survey=survey, kind="multi", text="What?", options=["Price", "Staff", "Speed"])
    yes_no = questions.question_add(survey=survey, kind="yesno", text="Back again?", required=True)
    csat = questions.question_add(survey=survey, kind="score", text="Staff?", scale="csat")
    url = answer_url(survey, world.checkout)
    bad = client.post(url, {"score": "8", f"q{one.pk}": "Elsewhere", f"q{csat.pk}": "9"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Please pick from the choices shown." in html
    assert "Please choose a whole number from 1 to 5." in html
    assert "Please answer this question." in html
    assert not Response.objects.exists()
    good = client.post(
        url,
        {
            "score": "8",
            f"q{one.pk}": "Online",
            f"q{many.pk}": ["Speed", "Price"],
            f"q{yes_no.pk}": "no",
            f"q{csat.pk}": "4",
        },
    )
    assert good.status_code == 303
    answers = {a.question_id: a for a in Response.objects.get().answers.all()}
    assert answers[one.pk].choices == ["Online"]
    assert answers[many.pk].choices == ["Price", "Speed"]
    assert (answers[yes_no.pk].number, answers[yes_no.pk].value) == (0, "No")
    assert answers[csat.pk].number == 4


def test_the_honeypot_and_the_rate_limit_cover_the_extra_answers(client, world, letter, settings):
    add, _liked = letter.questions.all()
    url = answer_url(letter, world.checkout)
    assert client.post(url, {"score": "1", f"q{add.pk}": UK_PRODUCT_ADD, "website": "x"}).status_code == 303
    assert not QuestionAnswer.objects.exists()
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    assert client.post(url, {"score": "4", f"q{add.pk}": UK_PRODUCT_ADD}).status_code == 303
    page = client.post(url, {"score": "4", f"q{add.pk}": UK_PRODUCT_ADD})
    assert page.status_code == 429
    assert UK_PRODUCT_ADD in page.content.decode()  # kept in the form, not lost
    assert QuestionAnswer.objects.count() == 1


def test_a_readiness_no_asks_what_would_stop_them(client, world):
    survey = make_survey(organization=world.org, kind="readiness")
    stop = survey.questions.get()
    assert (stop.text_key, stop.show_max) == ("readiness.stop", 0)
    with translation.override("ru"):
        assert stop.label == "Что может помешать вам сказать нам об этом?"
    html = client.get(answer_url(survey, world.checkout)).content.decode()
    assert "What would stop you from telling us?" in html


def test_a_bare_readiness_no_opens_no_case_but_a_reason_does(world):
    survey = make_survey(organization=world.org, kind="readiness")
    stop = survey.questions.get()
    bare = answer_receive(survey=survey, touchpoint=world.checkout, answer=AnswerInput(score=0))
    assert not Case.objects.filter(response=bare).exists()
    told = answer_receive(
        survey=survey, touchpoint=world.checkout, answer=AnswerInput(score=0, extra={stop.pk: EN_NO_RESPONSE})
    )
    case = Case.objects.get(response=told)
    assert EN_NO_RESPONSE in case.content
    assert "What would stop you from telling us?" in case.content


def test_a_manager_can_make_a_bare_no_open_a_case(world):
    survey = make_survey(organization=world.org, kind="readiness")
    case_rule_set(survey=survey, comparison="lte", threshold=0, needs_text=False)
    bare = answer_receive(survey=survey, touchpoint=world.checkout, answer=AnswerInput(score=0))
    assert Case.objects.filter(response=bare).exists()


def test_the_builder_refuses_a_show_if_off_the_scale_and_changes_nothing(world):
    with pytest.raises(ValidationError) as error:
        questions.question_add(survey=world.nps, kind="text", text="Why?", show_max=11)
    assert "show_max" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        questions.question_add(survey=world.nps, kind="single", text="Where?", options=["Only one"])
    assert "options" in error.value.message_dict
    assert not SurveyQuestion.objects.filter(survey=world.nps).exists()


def test_managers_add_move_and_remove_questions_on_the_surveys_page(login, world):
    client = login(world.manager)
    url = reverse("surveys:question_add", args=[world.nps.pk])
    assert client.post(url, {"kind": "text", "text": "What should we fix?", "show_max": "6"}).status_code == 302
    assert client.post(url, {"kind": "yesno", "text": "Would you come back?"}).status_code == 302
    bad = client.post(url, {"kind": "multi", "text": "What?", "options": "Price"})
    assert bad.status_code == 400
    assert "Give at least two choices, one a line." in bad.content.decode()
    fix, back = world.nps.questions.all()
    client.post(reverse("surveys:question_move", args=[world.nps.pk, back.pk]), {"to": "up"})
    assert [q.pk for q in world.nps.questions.all()] == [back.pk, fix.pk]
    html = client.get(reverse("surveys:list")).content.decode()
    assert html.index("Would you come back?") < html.index("What should we fix?")
    client.post(reverse("surveys:question_remove", args=[world.nps.pk, fix.pk]))
    assert [q.pk for q in world.nps.questions.all()] == [back.pk]


def test_an_employee_cannot_change_the_questions(login, world):
    url = reverse("surveys:question_add", args=[world.nps.pk])
    assert login(world.employee).post(url, {"kind": "text", "text": "Why?"}).status_code == 403


def test_removing_a_question_keeps_the_answers_given(world):
    why = questions.question_add(survey=world.nps, kind="text", text="What should we fix?")
    response = answer_receive(
        survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=3, extra={why.pk: EN_NO_RESPONSE})
    )
    questions.question_remove(question=why)
    answer = response.answers.get()
    assert (answer.question_id, answer.label, answer.text) == (None, "What should we fix?", EN_NO_RESPONSE)


def test_a_question_kind_unknown_to_the_builder_is_refused(world):
    with pytest.raises(ValidationError):
        questions.question_add(survey=world.nps, kind="slider", text="How much?")
    assert QuestionKind.TEXT in QuestionKind.values
