"""The purchases' indexes (ADR 0007): fewer to keep up per imported row, and still one for every query."""

import pytest
from django.db import connection

from otklik.customers.models import Customer, Purchase
from otklik.testing import factories
from otklik.testing.plans import indexes, plan, unindexed_foreign_keys

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def test_every_foreign_key_of_a_purchase_leads_an_index():
    assert unindexed_foreign_keys(Purchase) == []


def test_a_purchase_pays_for_six_indexes_and_a_row_without_a_seller_for_five():
    found = indexes(Purchase)
    assert len(found) == 6
    assert "WHERE (employee_id IS NOT NULL)" in found["purchase_employee"]


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        # The customer card and its figures; deleting a customer's purchases.
        (lambda: Purchase.objects.filter(customer_id=1).order_by("-purchased_at"), "purchase_customer_date"),
        (lambda: Purchase.objects.filter(customer_id__in=[1, 2]), "purchase_customer_date"),
        # An organization's purchases (money, segments, deleting an organization).
        (lambda: Purchase.objects.filter(organization_id=1), "purchase_unique_external_id"),
        (lambda: Purchase.objects.filter(organization_id__in=[1, 2]), "purchase_unique_external_id"),
        # Deleting a member sets their purchases' seller to NULL: found through the partial index.
        (lambda: Purchase.objects.filter(employee_id__in=[1, 2]), "purchase_employee"),
        (lambda: Purchase.objects.filter(product_id__in=[1, 2]), "customers_purchase_product_id"),
        (lambda: Purchase.objects.filter(location_id__in=[1, 2]), "customers_purchase_location_id"),
    ],
)
def test_the_queries_on_purchases_still_use_an_index(queryset, index):
    assert index in plan(queryset())


def test_a_customer_pays_for_six_indexes_none_of_them_a_twin():
    """No index of `organization_id` alone (every other one leads with it) and no `LIKE` twin of the segment's."""
    found = indexes(Customer)
    assert len(found) == 6, sorted(found)
    assert not [name for name in found if name.endswith("_like")]
    assert "WHERE (erased_at IS NOT NULL)" in found["customer_erased"]


# The indexes that lead with the organization: each serves "an organization's customers" as well as the next.
BY_ORGANIZATION = ("customer_unique_external_id", "customers_c_organiz_d03b43_idx", "customers_c_organiz_d39d52_idx")


@pytest.fixture
def customers_at_scale():
    """Two organizations' customers, counted by ANALYZE: the plans of a customer base, not of an empty table.

    On a near-empty table the planner picks, among the indexes that fit, the one with the fewest pages, and
    what earlier tests left there decides that: rows rolled back still fill index pages until a vacuum, and the
    fast import's ANALYZE (run inside a test's transaction) leaves its page and row counts in pg_class after
    the rollback. After the imports' tests the (organization, phone) index was the smaller one.
    """
    organizations = [factories.make_organization(), factories.make_organization()]
    segments = ["champions", "at_risk", "loyal", "", ""]
    Customer.objects.bulk_create(
        Customer(
            organization=organizations[n % 2],
            external_id=f"C{n}",
            email=f"customer{n}@example.com",
            phone=f"+38050{n:07d}",
            segment=segments[n % len(segments)],
        )
        for n in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Customer._meta.db_table}")
    return [organization.pk for organization in organizations]


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        # An organization's customers (lists, segments, deleting an organization): any index that leads with it
        # (the unique key's prefix, or the e-mail's or the phone's: the same rows, whichever has fewer pages).
        (lambda orgs: Customer.objects.filter(organization_id=orgs[0]), BY_ORGANIZATION),
        (lambda orgs: Customer.objects.filter(organization_id__in=orgs), BY_ORGANIZATION),
        (
            lambda orgs: Customer.objects.filter(organization_id=orgs[0], external_id="C1"),
            "customer_unique_external_id",
        ),
        # Whether an organization has an erased customer (planning invitations).
        (lambda orgs: Customer.objects.filter(organization_id=orgs[0], erased_at__isnull=False), "customer_erased"),
        # Answers and cases by segment, the SLA's segments: compared whole.
        (lambda orgs: Customer.objects.filter(segment="champions"), "customer_segment"),
        (lambda orgs: Customer.objects.filter(segment__in=["champions", "at_risk"]), "customer_segment"),
    ],
)
def test_the_queries_on_customers_still_use_an_index(customers_at_scale, queryset, index):
    planned = plan(queryset(customers_at_scale))
    indexes_named = (index,) if isinstance(index, str) else index
    assert any(f" {name} " in planned for name in indexes_named), planned
