"""A purchase whose product has no survey of its own is asked with the organization's default survey."""

from datetime import UTC, datetime, timedelta

import pytest

from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.selectors import default_survey_for
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase
from otklik.surveys.models import Invitation
from otklik.testing.factories import make_survey

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def test_the_products_own_survey_comes_first(world):
    csat = make_survey(organization=world.org, kind="csat")
    product = make_product(organization=world.org)
    product.survey = csat
    product.save()
    assert default_survey_for(organization=world.org, product=product) == csat


def test_a_product_without_a_survey_gets_the_organizations_default(world):
    first_nps = world.nps
    chosen = make_survey(organization=world.org, kind="nps")
    world.org.default_survey = chosen
    world.org.save()
    product = make_product(organization=world.org)
    assert default_survey_for(organization=world.org, product=product) == chosen != first_nps


def test_without_a_default_the_organizations_own_nps_survey_is_asked(world):
    assert default_survey_for(organization=world.org, product=None) == world.nps


def test_another_organizations_survey_is_never_asked(world):
    product = make_product(organization=world.org)
    product.survey = world.stranger_nps  # a stale or wrong reference
    product.save()
    world.org.default_survey = world.stranger_nps
    world.org.save()
    assert default_survey_for(organization=world.org, product=product) == world.nps


def test_a_closed_default_falls_back_to_an_open_survey(world):
    closed = make_survey(organization=world.org, kind="csat")
    closed.is_open = False
    closed.save()
    world.org.default_survey = closed
    world.org.save()
    assert default_survey_for(organization=world.org) == world.nps


def test_the_dispatcher_asks_with_the_default_survey(world):
    chosen = make_survey(organization=world.org, kind="csat")
    world.org.default_survey = chosen
    world.org.save()
    customer = make_customer(organization=world.org)
    product = make_product(organization=world.org, delay=3)
    make_purchase(customer=customer, product=product, at=NOON_UTC - timedelta(days=3), location=world.store)
    assert invitations_dispatch_due(now=NOON_UTC) == {"sent": 1}
    assert Invitation.objects.get().survey == chosen
