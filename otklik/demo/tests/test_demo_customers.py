"""The demo customer base: a catalogue, customers with two years of purchases, answers linked, RFM computed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases.models import Case
from otklik.customers.models import Customer, EvaluationMode, Product, Purchase
from otklik.demo.datasets import datasets_dir
from otklik.demo.services import demo_load
from otklik.messaging.models import OutboxMessage
from otklik.outreach.models import ScheduledInvitation
from otklik.outreach.selectors import outreach_settings
from otklik.surveys.models import Response

DATASETS_DIR = datasets_dir()
LIMIT = 30

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATASETS_DIR.is_dir(), reason=f"the shared datasets are not at {DATASETS_DIR}"),
]


@pytest.fixture
def demo():
    return demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT).organization


def test_the_catalogue_has_products_with_different_delays_and_modes(demo):
    products = Product.objects.filter(organization=demo)
    assert products.filter(evaluation_mode=EvaluationMode.MANUAL).exists()
    assert products.filter(evaluation_mode=EvaluationMode.AUTOMATIC).exists()
    assert len(set(products.values_list("evaluation_delay_days", flat=True))) >= 4
    assert not products.filter(survey__isnull=True).exists()


def test_customers_have_no_invented_names_and_about_two_years_of_purchases(demo):
    customers = Customer.objects.filter(organization=demo)
    assert customers.count() >= 100
    assert not customers.exclude(name="").exists() and not customers.exclude(email="").exists()
    dates = Purchase.objects.filter(organization=demo).values_list("purchased_at", flat=True)
    assert timezone.now() - min(dates) > timedelta(days=600) and max(dates) <= timezone.now()
    # Each purchase is at the customer's own company, so that company's employee sees the customer.
    assert not Purchase.objects.filter(organization=demo, location__isnull=True).exists()


def test_recent_purchases_have_their_invitations_and_history_has_none(demo):
    scheduled = ScheduledInvitation.objects.filter(organization=demo).select_related("purchase__product")
    assert scheduled.exists()
    config = outreach_settings(organization=demo)
    for row in scheduled:
        product = row.purchase.product
        due = row.purchase.purchased_at + timedelta(days=product.evaluation_delay_days)
        assert due >= timezone.now() - timedelta(days=config.expire_after_days)
        assert row.mode == product.evaluation_mode
        if row.mode == EvaluationMode.AUTOMATIC:
            assert row.due_at == due
    assert scheduled.count() < Purchase.objects.filter(organization=demo).count() / 5


def test_a_share_of_the_answers_and_their_cases_know_their_customer(demo):
    answers = Response.objects.filter(organization=demo)
    linked = answers.filter(customer__isnull=False)
    assert 0 < linked.count() < answers.count()
    for answer in linked:
        assert answer.customer.purchases.filter(location=answer.location).exists()
    for case in Case.objects.filter(organization=demo, response__customer__isnull=False):
        assert case.customer_id == case.response.customer_id


def test_segments_are_computed(demo):
    customers = Customer.objects.filter(organization=demo)
    assert not customers.filter(segment="").exists()
    assert customers.values("segment").distinct().count() >= 5


def test_a_second_run_changes_nothing_and_queues_nothing(demo):
    def snapshot():
        return (
            list(Customer.objects.order_by("id").values_list("id", "segment", "rfm_recency", "customer_since")),
            Purchase.objects.count(),
            list(Response.objects.order_by("id").values_list("customer_id", flat=True)),
        )

    before = snapshot()
    result = demo_load(datasets_dir=DATASETS_DIR, limit_per_dataset=LIMIT).customers
    assert snapshot() == before
    assert (result.customers_created, result.purchases_created, result.answers_linked) == (0, 0, 0)
    assert not OutboxMessage.objects.exists()
