"""A case a rule opens says so in its history in the staff's language, whatever language the customer wrote in."""

from django.utils import translation

from otklik.accounts.models import Organization
from otklik.surveys.tests.texts import RU_COMPLAINT
from otklik.testing.factories import make_response


def test_the_rules_note_is_in_the_organizations_language_not_the_customers(world):
    Organization.objects.filter(pk=world.org.pk).update(default_language="ru")
    world.nps.organization.refresh_from_db()
    # A Ukrainian customer's answer: the public page runs in Ukrainian.
    with translation.override("uk"):
        answer = make_response(
            survey=world.nps, touchpoint=world.checkout, score=1, comment=RU_COMPLAINT, language="uk"
        )
    note = answer.case.events.order_by("pk").first().note
    assert note.startswith("Открыто правилом"), note
