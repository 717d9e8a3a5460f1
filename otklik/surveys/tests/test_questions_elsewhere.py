"""The answers to extra questions outside the answer page: API, rules, export; the acts and employee QR codes."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from otklik.accounts.models import Touchpoint
from otklik.api.tests.conftest import api_as  # noqa: F401 (the fixture)
from otklik.cases.models import Case
from otklik.intake.answers import answer_receive
from otklik.rules.tests.helpers import make_rule
from otklik.surveys import questions
from otklik.surveys.models import Response, SurveyQuestion
from otklik.surveys.services import AnswerInput, touchpoint_create
from otklik.surveys.tests.texts import EN_NO_RESPONSE, UK_PRODUCT_ADD, UK_PRODUCT_FIX, UK_PRODUCT_LIKED
from otklik.testing.factories import make_organization, make_survey, make_user


@pytest.fixture
def letter(world):
    return make_survey(organization=world.org, kind="product_letter")


def test_the_api_takes_and_returns_the_answers_to_every_question(world, letter, api_as):  # noqa: F811
    add, liked = letter.questions.all()
    client = api_as(world.manager)
    surveys = client.get("/api/surveys").json()["items"]
    listed = next(item for item in surveys if item["id"] == letter.pk)
    assert [q["id"] for q in listed["questions"]] == [add.pk, liked.pk]
    assert listed["questions"][0]["text"] == "What should we add?"
    body = {
        "survey": letter.public_key,
        "touchpoint": world.checkout.public_key,
        "score": 5,
        "comment": UK_PRODUCT_FIX,
        "language": "uk",
        "answers": [{"question": add.pk, "value": UK_PRODUCT_ADD}, {"question": liked.pk, "value": UK_PRODUCT_LIKED}],
    }
    created = client.post("/api/answers", body)
    assert created.status_code == 201, created.content
    assert [(a["question_id"], a["value"]) for a in created.json()["answers"]] == [
        (add.pk, UK_PRODUCT_ADD),
        (liked.pk, UK_PRODUCT_LIKED),
    ]
    listed_answers = client.get("/api/answers").json()["items"][0]["answers"]
    assert len(listed_answers) == 2


def test_the_api_refuses_an_unknown_question_and_stores_nothing(world, letter, api_as):  # noqa: F811
    other = questions.question_add(survey=world.nps, kind="text", text="Why?")
    body = {
        "survey": letter.public_key,
        "touchpoint": world.checkout.public_key,
        "score": 5,
        "answers": [{"question": other.pk, "value": UK_PRODUCT_ADD}],
    }
    refused = api_as(world.manager).post("/api/answers", body)
    assert refused.status_code == 422
    assert "no question with this id" in refused.content.decode()
    assert not Response.objects.exists()


def test_the_api_checks_a_choice(world, api_as):  # noqa: F811
    where = questions.question_add(survey=world.nps, kind="single", text="Where?", options=["Shop", "Online"])
    body = {
        "survey": world.nps.public_key,
        "touchpoint": world.checkout.public_key,
        "score": 9,
        "answers": [{"question": where.pk, "value": "Elsewhere"}],
    }
    assert api_as(world.manager).post("/api/answers", body).status_code == 422
    assert not Response.objects.exists()


def test_a_rule_can_act_on_a_questions_answer(world):
    back = questions.question_add(survey=world.nps, kind="yesno", text="Would you come back?")
    make_rule(organization=world.org, name="Lost customer", question=back, answer_value="no", open_case=True)
    stays = answer_receive(
        survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=9, extra={back.pk: "yes"})
    )
    assert not Case.objects.filter(response=stays).exists()
    leaves = answer_receive(
        survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=9, extra={back.pk: "no"})
    )
    assert Case.objects.filter(response=leaves).exists()


def test_a_rule_on_an_open_answer_matches_its_words(world):
    why = questions.question_add(survey=world.nps, kind="text", text="What should we fix?")
    make_rule(organization=world.org, name="Silence", question=why, answer_value="no response", open_case=True)
    told = answer_receive(
        survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=9, extra={why.pk: EN_NO_RESPONSE})
    )
    assert Case.objects.filter(response=told).exists()


def test_a_rule_whose_question_was_removed_matches_nothing(world):
    back = questions.question_add(survey=world.nps, kind="yesno", text="Would you come back?")
    rule = make_rule(organization=world.org, name="Lost", question=back, answer_value="no", open_case=True)
    questions.question_remove(question=back)
    rule.refresh_from_db()
    assert rule.question_id is None
    response = answer_receive(survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=9))
    assert not Case.objects.filter(response=response).exists()


def test_the_rule_form_offers_only_the_organizations_questions(login, world):
    mine = questions.question_add(survey=world.nps, kind="yesno", text="Would you come back?")
    theirs = questions.question_add(survey=world.stranger_nps, kind="yesno", text="Rival question?")
    html = login(world.manager).get(reverse("rules:create")).content.decode()
    assert f'value="{mine.pk}"' in html
    assert "Rival question?" not in html
    assert theirs.pk


def test_the_answers_export_has_a_column_per_question(login, world, letter):
    add, liked = letter.questions.all()
    answer_receive(
        survey=letter,
        touchpoint=world.checkout,
        answer=AnswerInput(score=5, comment=UK_PRODUCT_FIX, extra={add.pk: UK_PRODUCT_ADD, liked.pk: UK_PRODUCT_LIKED}),
    )
    page = login(world.manager).get(reverse("dashboard:answers") + "?export=csv")
    assert page.status_code == 200
    rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["What should we add?", "What did you especially like?"]
    assert rows[1][-2:] == [UK_PRODUCT_ADD, UK_PRODUCT_LIKED]
    xlsx = login(world.manager).get(reverse("dashboard:answers") + "?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_acts_have_two_qr_codes_that_preset_the_score(login, world, client, settings):
    settings.SITE_URL = "https://feedback.example.org"
    url = reverse("surveys:acts", args=[world.nps.pk, world.checkout.pk])
    html = login(world.manager).get(url + "?lang=ru&size=a5").content.decode()
    assert "size: A5" in html
    assert "Акт удовлетворённости" in html and "Акт неудовлетворённости" in html
    assert html.count("<svg") == 2
    assert "?act=satisfied&amp;lang=ru" in html and "?act=dissatisfied&amp;lang=ru" in html
    assert "size: A6" in login(world.manager).get(url).content.decode()
    public = reverse("surveys:answer", args=[world.nps.public_key, world.checkout.public_key])
    assert 'value="10" checked' in client.get(public + "?act=satisfied").content.decode()
    assert 'value="0" checked' in client.get(public + "?act=dissatisfied").content.decode()


def test_an_employee_cannot_print_acts(login, world):
    url = reverse("surveys:acts", args=[world.nps.pk, world.checkout.pk])
    assert login(world.employee).get(url).status_code == 403


def test_a_touchpoint_can_be_an_employees_own_qr_code(login, world):
    client = login(world.manager)
    data = {"location": world.store.pk, "name": "Emma's QR", "kind": "employee", "employee": world.employee.pk}
    assert client.post(reverse("surveys:touchpoint_add"), data).status_code == 302
    assert Touchpoint.objects.get(name="Emma's QR").employee == world.employee
    html = client.get(reverse("surveys:list")).content.decode()
    assert "emma" in html


def test_a_touchpoint_refuses_someone_outside_the_organization(login, world):
    client = login(world.manager)
    data = {"location": world.store.pk, "name": "Stan's QR", "kind": "employee", "employee": world.stranger.pk}
    assert client.post(reverse("surveys:touchpoint_add"), data).status_code == 400
    assert not Touchpoint.objects.filter(name="Stan's QR").exists()
    other = make_organization(name="Elsewhere", slug="elsewhere")
    outsider = make_user(organization=other, username="otto")
    with pytest.raises(Exception, match="member of the organization"):
        touchpoint_create(organization=world.org, location=world.store, name="Otto", kind="employee", employee=outsider)


def test_existing_readiness_surveys_get_the_stop_question(world):
    survey = make_survey(organization=world.org, kind="readiness")
    SurveyQuestion.objects.filter(survey=survey).delete()
    migration = importlib.import_module("otklik.surveys.migrations.0004_survey_questions")
    migration.readiness_asks_what_stops(django_apps, None)
    migration.readiness_asks_what_stops(django_apps, None)
    assert list(survey.questions.values_list("text_key", "show_max")) == [("readiness.stop", 0)]


def test_an_open_answer_is_tagged_with_a_loyalty_factor_like_a_comment(world):
    from otklik.insights.models import AnswerTheme, Theme
    from otklik.insights.services import response_tag

    why = questions.question_add(survey=world.nps, kind="text", text="What should we fix?")
    theme = Theme.objects.create(organization=world.org, name="Silence", pinned_keywords=["response"], is_manual=True)
    response = answer_receive(
        survey=world.nps, touchpoint=world.checkout, answer=AnswerInput(score=3, extra={why.pk: EN_NO_RESPONSE})
    )
    assert response.comment == ""
    response_tag(response_id=response.pk)
    assert AnswerTheme.objects.filter(response=response, theme=theme).exists()


def test_a_product_with_the_product_letter_invites_with_the_letter_of_seed_002(world, letter):
    from django.utils import timezone

    from otklik.customers.models import Product
    from otklik.customers.services import customers_upsert, product_update, products_upsert
    from otklik.intake.purchases import purchases_receive
    from otklik.outreach.models import ScheduledInvitation
    from otklik.outreach.services import invitation_preview

    products_upsert(
        organization=world.org, records=[{"external_id": "K", "name": "Kettle", "evaluation_mode": "manual"}]
    )
    customers_upsert(
        organization=world.org,
        records=[
            {"external_id": "C", "name": "Anna", "email": "anna@example.org", "language": "ru", "consent_email": "да"}
        ],
    )
    purchases_receive(
        organization=world.org,
        records=[
            {
                "external_id": "P",
                "purchased_at": timezone.localdate().strftime("%d.%m.%Y"),
                "customer_external_id": "C",
                "product_external_id": "K",
                "amount": "10",
            }
        ],
    )
    scheduled = ScheduledInvitation.objects.get()
    assert "Порекомендовали бы вы нас" in invitation_preview(scheduled=scheduled)[1]
    product_update(product=Product.objects.get(), evaluation_delay_days=3, evaluation_mode="manual", survey=letter)
    scheduled = ScheduledInvitation.objects.get()
    subject, body = invitation_preview(scheduled=scheduled)
    assert subject == f"Как вам Kettle? Несколько вопросов от {world.org.name}"
    assert "Какие недостатки нужно устранить? Что нужно добавить? Что вам особенно понравилось?" in body


def test_an_employees_card_and_acts_name_them(login, world):
    world.employee.first_name, world.employee.last_name = "Emma", "Stone"
    world.employee.save()
    own = touchpoint_create(
        organization=world.org, location=world.store, name="Emma's QR", kind="employee", employee=world.employee
    )
    client = login(world.manager)
    assert "Emma Stone" in client.get(reverse("surveys:card", args=[world.nps.pk, own.pk])).content.decode()
    assert "Emma Stone" in client.get(reverse("surveys:acts", args=[world.nps.pk, own.pk])).content.decode()
