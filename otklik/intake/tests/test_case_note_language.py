"""What the rules, the intake and the worker write into a case's history or a rule's log is read by the staff
later, so it is in the organization's language, whatever language the customer wrote in (the survey page runs
in theirs) or the worker runs in (English)."""

import pytest
from django.utils import translation

from otklik.accounts.models import Organization
from otklik.cases.models import CaseEvent, ContactWay, Step
from otklik.intake.complaints import complaint_open
from otklik.rules.models import RuleRun
from otklik.rules.tests.helpers import make_rule
from otklik.surveys.tests.texts import RU_COMPLAINT
from otklik.testing.factories import make_response

# The language active when the note is written: a Ukrainian customer's page, or the worker (no request).
ACTIVE = pytest.mark.parametrize("active", ["uk", "en"])


def _russian_organization(world) -> None:
    Organization.objects.filter(pk=world.org.pk).update(default_language="ru")
    world.nps.organization.refresh_from_db()
    world.store.organization.refresh_from_db()


def test_the_rules_note_is_in_the_organizations_language_not_the_customers(world):
    _russian_organization(world)
    # A Ukrainian customer's answer: the public page runs in Ukrainian.
    with translation.override("uk"):
        answer = make_response(
            survey=world.nps, touchpoint=world.checkout, score=1, comment=RU_COMPLAINT, language="uk"
        )
    note = answer.case.events.order_by("pk").first().note
    assert note.startswith("Открыто правилом"), note


@ACTIVE
def test_a_rules_log_is_in_the_organizations_language(world, active):
    _russian_organization(world)
    rule = make_rule(organization=world.org, survey=world.nps, score_min=0, score_max=6, bonus="10%")
    with translation.override(active):
        answer = make_response(
            survey=world.nps, touchpoint=world.checkout, score=1, comment=RU_COMPLAINT, language="uk"
        )
    detail = RuleRun.objects.get(rule=rule, response=answer).detail
    opened = RuleRun.objects.get(rule__key="detractors", response=answer).detail
    assert detail in {"предоставлен бонус: 10%", "предложен бонус: 10%"}, detail
    assert opened == f"открыто обращение №{answer.case.pk}", opened


@ACTIVE
def test_a_complaint_from_the_page_notes_its_opening_in_the_organizations_language(world, active):
    _russian_organization(world)
    with translation.override(active):
        case = complaint_open(location=world.store, content=RU_COMPLAINT, language="uk", notify=False)
    assert CaseEvent.objects.get(case=case, step=Step.NEW).note == "Открыто"


@ACTIVE
def test_the_automatic_thank_you_is_noted_in_the_organizations_language(world, active):
    _russian_organization(world)
    with translation.override(active):
        case = complaint_open(location=world.store, content=RU_COMPLAINT, language="uk", customer_email="c@example.org")
    note = CaseEvent.objects.get(case=case, step=Step.THANKED).note
    assert note.startswith("Поблагодарили автоматически: "), note
    with translation.override("ru"):
        assert note.endswith(str(ContactWay.EMAIL.label)), note
