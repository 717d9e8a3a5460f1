"""/metrics/?by=segment from the segment rollups: the figures of the raw computation (answers joined to their
customers' segments of today) after answers arrive, segments change, data is erased and counts drift."""

import datetime

import pytest
from django.core.management import call_command

from otklik.customers.models import Customer
from otklik.dashboard import metrics
from otklik.intake.segments import segments_recompute
from otklik.privacy.services import customer_erase
from otklik.rollups.models import Grain, RollupState, SegmentRollup
from otklik.rollups.segments import rollup_segments_move
from otklik.rollups.services import SEGMENTS, rollup_remove_response, rollups_reconcile, rollups_reconcile_segments
from otklik.rollups.tests.test_reports_from_rollups import PERIODS, answers  # noqa: F401 (a fixture)
from otklik.surveys.models import Response
from otklik.testing.factories import make_customer, make_purchase, make_response

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def _tables(world, who: str = "manager") -> dict:
    """/metrics/ by segment for every period, for the organization and for one location."""
    membership = getattr(world, who).memberships.get()
    tables = {}
    for i, period in enumerate(PERIODS):
        for location in (None, world.store):
            scope = metrics.Scope(membership=membership, tz=world.org.zone, location=location, **period)
            tables[(i, location)] = metrics.metrics_table(scope=scope, by="segment", now=NOW)
    return tables


def _raw(world, who: str = "manager") -> dict:
    """The same tables computed from the answers (the segment rollups marked uncounted, then counted again)."""
    RollupState.objects.filter(organization=world.org).update(segments_counted=False)
    tables = _tables(world, who)
    RollupState.objects.filter(organization=world.org).update(segments_counted=True)
    return tables


def _from_rollups(world, monkeypatch, who: str = "manager") -> dict:
    """The tables, failing if any reads the answers by segment instead of the rollups."""
    grouped = metrics._grouped

    def no_answer_scan(qs, by, *args, **kwargs):
        assert not (qs.model is Response and by == "segment"), "read the answers, not the segment rollups"
        return grouped(qs, by, *args, **kwargs)

    monkeypatch.setattr(metrics, "_grouped", no_answer_scan)
    tables = _tables(world, who)
    monkeypatch.undo()
    return tables


def _assert_same(world, monkeypatch, who: str = "manager") -> None:
    raw, rolled = _raw(world, who), _from_rollups(world, monkeypatch, who)
    assert raw.keys() == rolled.keys()
    for key in raw:
        assert rolled[key].rows == raw[key].rows, key
        assert rolled[key].total == raw[key].total, key
    assert len(raw[(0, None)].rows) >= 3 and raw[(0, None)].total.answers > 100  # not empty tables


def _walk_finds_nothing(world) -> None:
    assert rollups_reconcile(organization=world.org).segments_corrected == []


@pytest.mark.parametrize("who", ["manager", "employee"])
@pytest.mark.usefixtures("answers")
def test_the_segment_rollups_give_the_raw_figures(world, monkeypatch, who):
    rollups_reconcile(organization=world.org)
    _assert_same(world, monkeypatch, who)


@pytest.mark.usefixtures("answers")
def test_an_answer_is_counted_under_its_customers_segment_of_now(world, monkeypatch):
    rollups_reconcile(organization=world.org)
    make_customer(organization=world.org, segment="champions", email="pat@example.org")
    make_customer(organization=world.org, segment="", email="sam@example.org")
    for score, email in ((9, "pat@example.org"), (3, "pat@example.org"), (7, "sam@example.org"), (10, "")):
        make_response(survey=world.nps, touchpoint=world.checkout, score=score, customer_email=email, comment="So.")
    counted = SegmentRollup.objects.filter(organization=world.org, segment="champions", grain=Grain.DAY)
    assert sum(counted.values_list("count", flat=True)) == 2

    _walk_finds_nothing(world)
    _assert_same(world, monkeypatch)


@pytest.mark.usefixtures("answers")
def test_a_deleted_answer_is_uncounted_under_its_segment(world):
    rollups_reconcile(organization=world.org)
    response = Response.objects.filter(organization=world.org, customer__segment="loyal").first()
    rollup_remove_response(response=response, organization=world.org)
    response.delete()
    _walk_finds_nothing(world)


@pytest.mark.usefixtures("answers")
def test_segments_computed_again_move_their_customers_answers(world, monkeypatch):
    rollups_reconcile(organization=world.org)
    customers = list(Customer.objects.filter(organization=world.org, responses__isnull=False).distinct())
    # Purchases that make them score anew: one recent big spender, the others long ago.
    for n, customer in enumerate(customers):
        for _ in range(1 + 3 * (n == 0)):
            make_purchase(
                customer=customer,
                amount="5000" if n == 0 else "10",
                purchased_at=NOW - datetime.timedelta(days=400 * n),
            )
    before = dict(Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("pk", "segment"))

    result = segments_recompute(organization=world.org, now=NOW)

    after = dict(Customer.objects.filter(pk__in=before).values_list("pk", "segment"))
    assert result.changed and sum(before[pk] != after[pk] for pk in before) >= 2
    _walk_finds_nothing(world)
    _assert_same(world, monkeypatch)


@pytest.mark.usefixtures("answers")
def test_a_merge_and_a_segment_set_by_hand_move_with_the_service(world):
    """What a merge of customers (answers re-linked, the old customer deleted) or any other writer of segments
    calls: `rollup_segments_move` in its transaction."""
    rollups_reconcile(organization=world.org)
    loyal = Customer.objects.get(organization=world.org, segment="loyal")
    at_risk = Customer.objects.get(organization=world.org, segment="at_risk")
    # The loyal customer merged into the one at risk: its answers moved while they are still its own, then re-linked.
    rollup_segments_move(organization=world.org, customer_ids=[loyal.pk], old="loyal", new="at_risk")
    Response.objects.filter(customer=loyal).update(customer=at_risk)
    loyal.delete()
    # A segment written by hand, then moved.
    Customer.objects.filter(pk=at_risk.pk).update(segment="champions")
    assert rollup_segments_move(organization=world.org, customer_ids=[at_risk.pk], old="at_risk", new="champions")
    assert rollup_segments_move(organization=world.org, customer_ids=[at_risk.pk], old="", new=None) == 0
    _walk_finds_nothing(world)


@pytest.mark.usefixtures("answers")
def test_an_erased_customers_answers_keep_their_segment_figures(world, monkeypatch):
    rollups_reconcile(organization=world.org)
    customer_erase(customer=Customer.objects.get(organization=world.org, segment="loyal"))
    _assert_same(world, monkeypatch)  # scores and segments stay; only the text (not a /metrics/ figure) went


@pytest.mark.usefixtures("answers")
def test_the_reconciliation_repairs_lost_and_invented_counts(world, monkeypatch):
    rollups_reconcile(organization=world.org)
    rows = SegmentRollup.objects.filter(organization=world.org)
    rows.filter(segment="loyal").delete()  # lost
    rows.filter(segment="at_risk").update(count=99, s0=50)  # invented
    SegmentRollup.objects.create(  # a segment nobody has
        organization=world.org,
        segment="champions",
        location=world.store,
        kind="nps",
        grain=Grain.MONTH,
        start=datetime.date(2026, 2, 1),
        month_start=datetime.date(2026, 2, 1),
        count=3,
        s10=3,
        score_sum=30,
    )
    corrected = rollups_reconcile(organization=world.org).segments_corrected
    assert {key[1] for key in corrected} == {"loyal", "at_risk", "champions"}
    assert not rows.filter(segment="champions").exists()
    _walk_finds_nothing(world)
    _assert_same(world, monkeypatch)


@pytest.mark.usefixtures("answers")
def test_rebuild_segments_only_counts_them_and_makes_them_read(world, monkeypatch):
    rollups_reconcile(organization=world.org)
    # As migration 0007 leaves a database: no rows, not counted.
    SegmentRollup.objects.all().delete()
    RollupState.objects.update(segments_counted=False)
    assert SEGMENTS.model is SegmentRollup

    call_command("rollups", "rebuild", "--segments-only")

    assert RollupState.objects.get(organization=world.org).segments_counted
    assert rollups_reconcile_segments(organization=world.org) == []  # a second walk finds nothing
    _assert_same(world, monkeypatch)
