"""Receiving purchases (issue 14): the customer base stores the orders, the intake schedules their invitations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.customers.models import Purchase
from otklik.customers.services import purchases_upsert
from otklik.intake.purchases import purchases_receive
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
from otklik.outreach.tests.helpers import make_product
from otklik.testing.factories import make_organization

pytestmark = pytest.mark.django_db


def record(n: int, product: str, **fields) -> dict:
    return {
        "external_id": f"P{n}",
        "customer_external_id": f"C{n}",
        "customer_email": f"c{n}@example.com",
        "product_external_id": product,
        "purchased_at": (timezone.now() - timedelta(days=1)).isoformat(),
        **fields,
    }


def test_received_purchases_are_stored_and_their_invitations_scheduled():
    org = make_organization()
    kettle = make_product(organization=org, delay=3)
    result = purchases_receive(organization=org, records=[record(1, kettle.external_id), record(2, kettle.external_id)])
    assert (result.errors, result.created) == ({}, 2)
    assert ScheduledInvitation.objects.filter(organization=org, status=ScheduledStatus.SCHEDULED).count() == 2


def test_the_customer_base_alone_stores_without_scheduling():
    # The store is the customer base's; the invitation is the intake's step (customers imports no outreach).
    org = make_organization()
    kettle = make_product(organization=org)
    assert purchases_upsert(organization=org, records=[record(1, kettle.external_id)]).created == 1
    assert not ScheduledInvitation.objects.exists()
    purchases_receive(organization=org, records=[record(1, kettle.external_id)])  # the same order, received
    assert ScheduledInvitation.objects.count() == 1


def test_a_batch_with_an_invalid_record_stores_and_schedules_nothing():
    org = make_organization()
    kettle = make_product(organization=org)
    result = purchases_receive(
        organization=org, records=[record(1, kettle.external_id), record(2, kettle.external_id, purchased_at="soon")]
    )
    assert list(result.errors) == [2]
    assert not Purchase.objects.exists() and not ScheduledInvitation.objects.exists()
