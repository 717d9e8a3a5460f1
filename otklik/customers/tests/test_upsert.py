"""Upserting customers, products and purchases: idempotent, updates what changed, refuses bad records whole."""

import pytest

from otklik.customers.models import Customer, CustomerEvent, Product, Purchase
from otklik.customers.services import customers_upsert, events_record, normalize_phone, purchases_upsert
from otklik.testing.factories import make_location, make_organization

pytestmark = pytest.mark.django_db


def purchase(n: int, **extra) -> dict:
    return {
        "external_id": f"P{n}",
        "customer_external_id": f"C{n % 3}",
        "customer_name": f"Customer {n % 3}",
        "customer_email": f"c{n % 3}@example.com",
        "product_external_id": "SKU1",
        "product_name": "Kettle",
        "amount": "1 250,50",
        "currency": "rub",
        "purchased_at": "05.11.2026 14:30",
        **extra,
    }


def test_same_batch_twice_changes_nothing_and_a_change_updates():
    org = make_organization()
    first = purchases_upsert(organization=org, records=[purchase(n) for n in range(6)])
    assert (first.created, first.errors) == (6, {})
    assert Customer.objects.filter(organization=org).count() == 3
    assert Product.objects.get(organization=org).name == "Kettle"
    again = purchases_upsert(organization=org, records=[purchase(n) for n in range(6)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    changed = purchases_upsert(organization=org, records=[purchase(1, amount="99")])
    assert (changed.created, changed.updated) == (0, 1)
    assert str(Purchase.objects.get(organization=org, external_id="P1").amount) == "99.00"


def test_a_bad_record_refuses_the_whole_batch_with_reasons():
    org = make_organization()
    result = purchases_upsert(
        organization=org, records=[purchase(1), purchase(2, amount="lots", purchased_at="yesterday", location="Mars")]
    )
    assert list(result.errors) == [2]
    assert len(result.errors[2]) == 3
    assert not Purchase.objects.exists()


def test_purchase_location_is_matched_by_name():
    org = make_organization()
    store = make_location(organization=org, name="Tverskaya")
    purchases_upsert(organization=org, records=[purchase(1, location="tverskaya")])
    assert Purchase.objects.get().location == store


def test_customers_with_tags_consent_and_phone():
    org = make_organization()
    result = customers_upsert(
        organization=org,
        records=[
            {"external_id": "7", "name": "Анна", "phone": "8 (916) 123-45-67", "consent_sms": "да", "tags": "VIP, опт"}
        ],
    )
    assert result.created == 1
    customer = Customer.objects.get()
    assert (customer.phone, customer.consent_sms) == ("79161234567", True)
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "опт"]
    assert customers_upsert(organization=org, records=[{"external_id": "7", "email": "nope"}]).errors == {
        1: ["“nope” is not an e-mail address"]
    }


def test_phone_normalization():
    assert normalize_phone("+7 (916) 123-45-67") == normalize_phone("8 916 123 45 67") == "79161234567"
    assert normalize_phone("067 123 45 67") == "380671234567"


def test_events_are_recorded_once():
    org = make_organization()
    record = {"external_id": "E1", "customer_external_id": "C1", "name": "trial_started", "occurred_at": "2026-11-01"}
    events_record(organization=org, records=[record])
    events_record(organization=org, records=[record])
    assert CustomerEvent.objects.count() == 1


def test_a_changed_event_is_updated():
    org = make_organization()
    record = {"external_id": "E1", "customer_external_id": "C1", "name": "trial_started", "occurred_at": "2026-11-01"}
    events_record(organization=org, records=[record])
    result = events_record(organization=org, records=[record | {"name": "trial_ended"}])
    assert result.updated == 1
    assert CustomerEvent.objects.get().name == "trial_ended"


def test_the_last_copy_of_an_event_in_one_batch_wins():
    org = make_organization()
    first = {"external_id": "E1", "customer_external_id": "C1", "name": "trial_started", "occurred_at": "2026-11-01"}
    result = events_record(organization=org, records=[first, first | {"name": "trial_ended"}])
    assert result.created == 1
    assert CustomerEvent.objects.get().name == "trial_ended"
