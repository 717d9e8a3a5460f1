"""Masked means masked on every staff page that shows customer text (issues 13 item 8 and 17 item 4)."""

from django.urls import reverse

from otklik.cases.models import Case
from otklik.improvements import services as improvements
from otklik.improvements.tests.helpers import open_case
from otklik.insights.tests import samples
from otklik.surveys.models import Response
from otklik.testing.factories import make_customer, make_response

KHAMY = (
    "624623807320460000"  # sentirueval2016-ru: "В ВТБ24 @vtb – наглые хамы, в Билайн @Beeline_RUS - счет с потолка …"
)


def test_the_improvements_case_list_masks_insults_even_for_a_manager(world, login):
    improvement = improvements.improvement_create(organization=world.org, title="Вежливость", owner=world.manager)
    case = open_case(world, comment=samples.russian(KHAMY), language="ru")
    improvements.improvement_link_cases(improvement=improvement, cases=[case])
    html = login(world.manager).get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    assert f'id="linked-case-{case.pk}"' in html
    assert "хамы" not in html and "наглые х***" in html


def test_the_customer_card_masks_answers_and_cases_for_an_employee(world, login):
    anna = make_customer(organization=world.org, name="Anna Petrova", email="anna@example.com")
    answer = make_response(survey=world.nps, touchpoint=world.checkout, score=1, comment=samples.russian(KHAMY))
    Response.objects.filter(pk=answer.pk).update(customer=anna)
    Case.objects.filter(response=answer).update(customer=anna)
    html = login(world.employee).get(reverse("customers:card", args=[anna.pk])).content.decode()
    assert "наглые х***" in html and "хамы" not in html


def test_the_dashboard_and_the_case_list_mask_insults(world, login):
    open_case(world, comment=samples.russian(KHAMY), language="ru")
    client = login(world.employee)
    for path in ("/", "/cases/"):
        html = client.get(path).content.decode()
        assert "хамы" not in html, path


def test_the_similar_cases_picker_masks_insults(world, login):
    improvement = improvements.improvement_create(organization=world.org, title="Вежливость", owner=world.manager)
    open_case(world, comment=samples.russian(KHAMY), language="ru")
    html = login(world.manager).get(reverse("improvements:detail", args=[improvement.pk])).content.decode()
    assert "наглые х***" in html and "хамы" not in html
