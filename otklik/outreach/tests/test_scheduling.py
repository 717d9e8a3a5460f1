"""Purchases schedule invitations: automatic at the product's delay, manual into the manager's queue (B1–B3)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from otklik.intake.purchases import purchases_receive
from otklik.outreach.models import ScheduledInvitation, ScheduledStatus
from otklik.outreach.services import invitations_schedule
from otklik.outreach.tests.helpers import make_customer, make_product, make_purchase
from otklik.testing.factories import make_organization

pytestmark = pytest.mark.django_db


def record(n: int, product: str, when: str) -> dict:
    return {
        "external_id": f"P{n}",
        "customer_external_id": f"C{n}",
        "customer_email": f"c{n}@example.com",
        "product_external_id": product,
        "purchased_at": when,
    }


def test_each_purchase_is_scheduled_at_its_products_delay():
    org = make_organization()
    kettle = make_product(organization=org, name="Kettle", delay=3)
    sofa = make_product(organization=org, name="Sofa", delay=60)
    soon = timezone.now() + timedelta(days=1)
    result = purchases_receive(
        organization=org,
        records=[
            record(1, kettle.external_id, soon.isoformat()),
            record(2, sofa.external_id, soon.isoformat()),
        ],
    )
    assert result.errors == {}
    by_product = {
        item.purchase.product.name: item for item in ScheduledInvitation.objects.select_related("purchase__product")
    }
    assert by_product["Kettle"].due_at == by_product["Kettle"].purchase.purchased_at + timedelta(days=3)
    assert by_product["Kettle"].due_at.date() == (soon + timedelta(days=3)).date()
    assert by_product["Sofa"].due_at == by_product["Sofa"].purchase.purchased_at + timedelta(days=60)
    assert {item.status for item in by_product.values()} == {ScheduledStatus.SCHEDULED}
    assert by_product["Kettle"].send_at == by_product["Kettle"].due_at


def test_a_manual_product_waits_for_the_managers_date():
    org = make_organization()
    piano = make_product(organization=org, name="Grand piano", delay=90, mode="manual")
    purchase = make_purchase(customer=make_customer(organization=org), product=piano)
    scheduled = ScheduledInvitation.objects.get(purchase=purchase)
    assert scheduled.status == ScheduledStatus.WAITING_DATE
    assert scheduled.due_at is None and scheduled.send_at is None


def test_the_same_file_twice_schedules_once_and_a_changed_date_moves_the_invitation():
    org = make_organization()
    kettle = make_product(organization=org, delay=3)
    first = datetime(2030, 5, 1, 12, tzinfo=UTC)
    purchases_receive(organization=org, records=[record(1, kettle.external_id, first.isoformat())])
    purchases_receive(organization=org, records=[record(1, kettle.external_id, first.isoformat())])
    assert ScheduledInvitation.objects.count() == 1

    later = first + timedelta(days=10)
    purchases_receive(organization=org, records=[record(1, kettle.external_id, later.isoformat())])
    scheduled = ScheduledInvitation.objects.get()
    assert scheduled.due_at == later + timedelta(days=3) == scheduled.send_at


def test_a_sent_invitation_is_not_moved_by_a_changed_purchase():
    org = make_organization()
    kettle = make_product(organization=org, delay=3)
    purchase = make_purchase(customer=make_customer(organization=org), product=kettle)
    ScheduledInvitation.objects.update(status=ScheduledStatus.SENT)
    before = ScheduledInvitation.objects.get().due_at
    purchase.purchased_at += timedelta(days=5)
    purchase.save()
    assert invitations_schedule(organization=org, purchase_ids=[purchase.pk]) == 0
    assert ScheduledInvitation.objects.get().due_at == before


def test_purchases_from_long_ago_get_no_invitation():
    org = make_organization()
    kettle = make_product(organization=org, delay=3)
    make_purchase(customer=make_customer(organization=org), product=kettle, at=timezone.now() - timedelta(days=400))
    assert not ScheduledInvitation.objects.exists()


def test_another_organizations_purchases_are_not_scheduled_by_mistake():
    org, other = make_organization(), make_organization()
    kettle = make_product(organization=other)
    purchase = make_purchase(customer=make_customer(organization=other), product=kettle)
    ScheduledInvitation.objects.all().delete()
    assert invitations_schedule(organization=org, purchase_ids=[purchase.pk]) == 0
    assert not ScheduledInvitation.objects.exists()
