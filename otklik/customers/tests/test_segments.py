"""RFM segments: quintile scores, named segments, computed once a day per organization by the worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from otklik.customers.models import Customer, SegmentRun
from otklik.customers.segments import Segment, quintiles, segment_of, segments_claim_due, segments_compute
from otklik.intake.segments import compute_segments, segments_due
from otklik.testing.factories import make_customer, make_organization, make_purchase
from otklik.worker.schedule import job_named

pytestmark = pytest.mark.django_db


def test_quintiles_rank_fifths_and_give_ties_the_same_score():
    assert quintiles([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
    assert quintiles([50, 10, 30, 20, 40, 60, 70, 80, 90, 100]) == [3, 1, 2, 1, 2, 3, 4, 4, 5, 5]
    # Most customers bought once: they all share the lowest frequency score.
    assert quintiles([1, 1, 1, 1, 2, 5]) == [1, 1, 1, 1, 4, 5]
    assert quintiles([]) == []


@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [
        (5, 5, 5, Segment.CHAMPIONS),
        (4, 4, 2, Segment.LOYAL),
        (3, 5, 1, Segment.LOYAL),
        (5, 2, 1, Segment.POTENTIAL),
        (5, 1, 1, Segment.NEW),
        (3, 2, 3, Segment.NEEDS_ATTENTION),
        (2, 3, 2, Segment.AT_RISK),
        (1, 5, 1, Segment.CANT_LOSE),
        (2, 1, 5, Segment.CANT_LOSE),
        (2, 1, 1, Segment.HIBERNATING),
        (1, 2, 1, Segment.LOST),
    ],
)
def test_segment_of_the_scores(r, f, m, segment):
    assert segment_of(recency=r, frequency=f, monetary=m) == segment


def test_compute_scores_recent_frequent_big_spenders_highest_and_writes_only_changes():
    org = make_organization()
    now = timezone.now()
    champion = make_customer(organization=org)
    lapsed = make_customer(organization=org)
    no_purchases = make_customer(organization=org, segment="lost", rfm_recency=1)
    others = [make_customer(organization=org) for _ in range(3)]
    for days in range(10):
        make_purchase(customer=champion, amount="1000", purchased_at=now - timedelta(days=days + 1))
    for days in range(8):
        make_purchase(customer=lapsed, amount="900", purchased_at=now - timedelta(days=400 + days))
    for n, customer in enumerate(others):
        make_purchase(customer=customer, amount="10", purchased_at=now - timedelta(days=50 + 30 * n))

    result = segments_compute(organization=org, now=now)

    champion.refresh_from_db()
    lapsed.refresh_from_db()
    no_purchases.refresh_from_db()
    assert (champion.rfm_recency, champion.rfm_frequency, champion.rfm_monetary) == (5, 5, 5)
    assert champion.segment == Segment.CHAMPIONS
    # They bought often and a lot, but long ago.
    assert (lapsed.rfm_recency, lapsed.rfm_frequency) == (1, 4) and lapsed.segment == Segment.AT_RISK
    assert (no_purchases.segment, no_purchases.rfm_recency) == ("", None)
    assert (result.scored, result.cleared) == (5, 1)
    assert segments_compute(organization=org, now=now).changed == 0


def test_monetary_counts_only_the_revenue_currency():
    org = make_organization()
    rich_in_dollars, rouble_buyer = make_customer(organization=org), make_customer(organization=org)
    make_purchase(customer=rich_in_dollars, amount="1000000", currency="USD")
    for _ in range(3):
        make_purchase(customer=rouble_buyer, amount="100")
    segments_compute(organization=org)
    assert (
        Customer.objects.get(pk=rich_in_dollars.pk).rfm_monetary < Customer.objects.get(pk=rouble_buyer.pk).rfm_monetary
    )


def test_each_organization_is_claimed_once_a_day():
    org, other, empty = make_organization(), make_organization(), make_organization()
    make_customer(organization=org)
    make_customer(organization=other)
    now = timezone.now()
    assert sorted(segments_claim_due(now=now)) == sorted([org.pk, other.pk])
    assert segments_claim_due(now=now + timedelta(hours=23)) == []
    assert sorted(segments_claim_due(now=now + timedelta(days=1, minutes=1))) == sorted([org.pk, other.pk])
    assert not SegmentRun.objects.filter(organization=empty).exists()


def test_a_direct_computation_counts_as_the_days_run():
    org = make_organization()
    make_customer(organization=org)
    segments_compute(organization=org)
    assert segments_claim_due() == []


def test_the_worker_minute_job_queues_the_task_and_the_task_computes(settings):
    assert job_named("segments").function is segments_due
    org = make_organization()
    customer = make_customer(organization=org)
    make_purchase(customer=customer)
    assert segments_due() == 1
    assert segments_due() == 0
    queued = DBTaskResult.objects.get(task_path=compute_segments.module_path)
    assert queued.args_kwargs["args"] == [org.pk]
    compute_segments.call(org.pk)
    customer.refresh_from_db()
    assert customer.segment and customer.rfm_recency is not None
    assert SegmentRun.objects.get(organization=org).computed_at is not None
