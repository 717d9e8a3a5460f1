"""The case figures of /metrics/?by=segment from the case rollups by segment (`CaseSegmentRollup`): the numbers of a
raw computation over the cases joined to their customers' segments of today, after cases change, segments are
computed again and rows drift (docs/decisions/0050-case-rollups-by-segment.md)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from otklik.cases import services as case_services
from otklik.cases.models import Case
from otklik.customers.models import Customer
from otklik.dashboard import metrics
from otklik.dashboard.tests.metrics_helpers import assert_same
from otklik.intake.segments import segments_recompute
from otklik.rollups.cases import case_rollups_ready, pack, stored_clocks
from otklik.rollups.models import CaseSegmentRollup, Grain, RollupState
from otklik.rollups.segments import rollup_segments_move
from otklik.rollups.services import rollups_reconcile, rollups_reconcile_cases, rollups_reconcile_segments
from otklik.rollups.tests.test_case_clocks import (
    NOW,
    PERIODS,
    _in_python,
    clocked,  # noqa: F401 (a fixture)
)
from otklik.sla.selectors import sla_policies
from otklik.testing.factories import make_customer, make_purchase, make_response

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="read from the rollups on PostgreSQL")
SEGMENTS = ["loyal", "at_risk", "champions", "", None]  # None: a case without a customer
_PACKED = ("first_answer_us", "first_answer_gone", "resolution_us", "resolution_gone")


@pytest.fixture
def segmented(clocked):  # noqa: F811 (the fixture imported above)
    """`clocked`'s 120 cases (Moscow time, ties, zero and three-year clocks, cases not yet due) held by customers
    in three segments, one not yet segmented, and none, counted by a walk."""
    customers = [
        None if segment is None else make_customer(organization=clocked.org, segment=segment, email=f"c{n}@x.org")
        for n, segment in enumerate(SEGMENTS)
    ]
    cases = list(Case.objects.filter(organization=clocked.org).order_by("pk"))
    for n, case in enumerate(cases):
        case.customer = customers[n % len(customers)]
    Case.objects.bulk_update(cases, ["customer"])
    rollups_reconcile(organization=clocked.org, now=NOW)
    clocked.customers = [c for c in customers if c is not None]
    return clocked


def _rows(world) -> dict[tuple, tuple]:
    """The case rollups by segment as counted: per key, the counts and the clocks (less those gone)."""
    rows = CaseSegmentRollup.objects.filter(organization=world.org).values(
        "location_id", "segment", "grain", "start", *metrics_counts(), *_PACKED
    )
    return {
        (r["location_id"], r["segment"], r["grain"], r["start"]): (
            tuple(r[c] for c in metrics_counts()),
            *stored_clocks({c: bytes(r[c]) for c in _PACKED}),
        )
        for r in rows
        if r["count"]
    }


def metrics_counts() -> tuple[str, ...]:
    return ("count", "answered", "answered_in_time", "resolved", "resolved_in_time")


def _walk_finds_nothing(world) -> None:
    assert rollups_reconcile(organization=world.org, now=NOW).case_segments_corrected == []


def _assert_figures_are_raw(world, who: str, period: dict, location) -> None:
    membership = getattr(world, who).memberships.get()
    scope = metrics.Scope(membership=membership, tz=world.org.zone, location=location, **period)
    expected, expected_total = _in_python(scope, "segment")

    got, total = metrics._cases_by(scope, "segment", NOW, with_total=True)

    assert got.keys() == expected.keys(), (who, period, location)
    for key, figures in expected.items():
        assert_same(got[key], figures, (who, period, location, key))
    if expected_total is None:
        assert total is None
    else:
        assert_same(total, expected_total, (who, period, location, "total"))


def _assert_same_as_raw(world, monkeypatch) -> None:
    """Every period × the organization and one location × a manager and an employee of one location: the case
    figures by segment from the rollups equal the Python computation over the cases, and the whole /metrics/ table
    equals the one computed from the cases (the rollups marked uncounted); the rollups' read never scans cases."""
    ready = {"organization": world.org, "policies": sla_policies(organization=world.org), "segments": True}
    assert case_rollups_ready(**ready)
    scopes = [
        metrics.Scope(membership=getattr(world, who).memberships.get(), tz=world.org.zone, location=location, **period)
        for who in ("manager", "employee")
        for period in PERIODS
        for location in (None, world.store)
    ]
    RollupState.objects.filter(organization=world.org).update(case_segments_counted=False)
    raw = [metrics.metrics_table(scope=scope, by="segment", now=NOW) for scope in scopes]
    RollupState.objects.filter(organization=world.org).update(case_segments_counted=True)

    def no_scan(*args, **kwargs):
        pytest.fail("read the period's cases, not the case rollups by segment")

    monkeypatch.setattr(metrics, "_case_figures_in_database", no_scan)
    monkeypatch.setattr(metrics, "_case_parts", no_scan)
    monkeypatch.setattr(metrics, "case_figures", no_scan)
    rolled = [metrics.metrics_table(scope=scope, by="segment", now=NOW) for scope in scopes]
    monkeypatch.undo()
    for scope, before, after in zip(scopes, raw, rolled, strict=True):
        assert after.rows == before.rows, scope
        assert after.total == before.total, scope
    for who in ("manager", "employee"):
        for period in PERIODS:
            for location in (None, world.store):
                _assert_figures_are_raw(world, who, period, location)
    assert sum(row.cases for row in raw[0].rows) > 100 and len(raw[0].rows) >= 4  # not empty tables


@on_postgresql
def test_case_figures_by_segment_from_the_rollups_are_the_raw_ones(segmented, monkeypatch):
    _assert_same_as_raw(segmented, monkeypatch)


@on_postgresql
def test_until_counted_the_cases_are_read(segmented, monkeypatch):
    """As migration 0009 leaves a database: the case figures by segment come from the cases (the same numbers)."""
    RollupState.objects.filter(organization=segmented.org).update(case_segments_counted=False)
    read = []
    in_database = metrics._case_figures_in_database
    monkeypatch.setattr(metrics, "_case_figures_in_database", lambda *a, **k: read.append(1) or in_database(*a, **k))
    _assert_figures_are_raw(segmented, "manager", {}, None)
    assert read


def test_a_walk_counts_the_cases_under_their_customers_segments(segmented):
    rows = _rows(segmented)
    months = {key[1]: counts[0] for key, (counts, *_clocks) in rows.items() if key[2] == Grain.MONTH}
    assert set(months) == {"loyal", "at_risk", "champions", ""}
    per_segment = {}
    for key, (counts, *_clocks) in rows.items():
        if key[2] == Grain.MONTH:
            per_segment[key[1]] = per_segment.get(key[1], 0) + counts[0]
    assert sum(per_segment.values()) == Case.objects.filter(organization=segmented.org).count() == 120
    assert per_segment[""] == 48  # no customer and the one not yet segmented
    _walk_finds_nothing(segmented)


def test_case_services_count_by_segment(world):
    """Opened, thanked, re-graded, reassigned, resolved and deleted through the services: the rows by segment stay
    what a walk counts, and the clock that left a row (a case re-graded keeps its segment row) writes nothing."""
    loyal = make_customer(organization=world.org, segment="loyal", email="l@example.org")
    rollups_reconcile(organization=world.org)
    RollupState.objects.filter(organization=world.org).update(case_segments_counted=True)
    case = case_services.case_create(location=world.store, content="Cold coffee.", customer=loyal)
    other = case_services.case_create(location=world.other_store, content="Long queue.")
    case_services.case_thank(case=case, by=world.manager, via="phone")
    case_services.case_update(
        case=case, by=world.manager, responsible=world.manager, severity="critical", planned_fix_date=None
    )
    case_services.case_apologize(case=case, by=world.manager, apology="Sorry.")
    case_services.case_promise(
        case=case, by=world.manager, fix_promise="A new machine.", planned_fix_date=None, cannot_fix=True
    )
    case_services.case_report(case=case, by=world.manager, via="phone", cause="Old machine", action_taken="Replaced")
    case_services.case_thank(case=other, by=world.manager, via="phone")
    kept = _rows(world)
    assert {key[1] for key in kept} == {"loyal", ""}
    counts, first, resolution = kept[(world.store.pk, "loyal", Grain.DAY, _local_day(world, case))]
    assert counts[:2] == (1, 1) and sum(first.values()) == 1 and sum(resolution.values()) == 1
    assert not CaseSegmentRollup.objects.exclude(first_answer_gone=b"").exists()  # its segment row kept the clock

    _walk_finds_nothing(world)
    assert _rows(world) == kept


def test_a_detractors_case_is_counted_under_its_customers_segment_in_the_worker(world):
    """The worker's batch gathers the case's rows by customer and writes them with the case rollups (one upsert on
    PostgreSQL): the segment read as the batch is written."""
    make_customer(organization=world.org, segment="champions", email="pat@example.org")
    rollups_reconcile(organization=world.org)
    for score, email in ((1, "pat@example.org"), (2, "pat@example.org"), (0, ""), (3, "nobody@example.org")):
        make_response(survey=world.nps, touchpoint=world.checkout, score=score, customer_email=email, comment="Bad.")
    opened = Case.objects.filter(organization=world.org)
    assert opened.count() == 4
    counted = CaseSegmentRollup.objects.filter(organization=world.org, grain=Grain.MONTH)
    by_segment = {row.segment: row.count for row in counted if row.count}
    expected = {}
    for case in opened.select_related("customer"):
        segment = case.customer.segment if case.customer else ""
        expected[segment] = expected.get(segment, 0) + 1
    assert by_segment == expected and by_segment["champions"] == 2
    _walk_finds_nothing(world)


def test_segments_computed_again_move_their_customers_cases(segmented, monkeypatch):
    """The daily RFM run changes segments: each changed customer's cases (counts and clocks) move with it, in the
    same transaction; a walk then finds nothing, and on PostgreSQL the figures are the raw ones."""
    customers = segmented.customers
    for n, customer in enumerate(customers):
        for _ in range(1 + 3 * (n == 0)):
            make_purchase(
                customer=customer,
                amount="5000" if n == 0 else "10",
                purchased_at=NOW - datetime.timedelta(days=400 * n),
            )
    before = dict(Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("pk", "segment"))
    kept = _rows(segmented)

    result = segments_recompute(organization=segmented.org, now=NOW)

    after = dict(Customer.objects.filter(pk__in=before).values_list("pk", "segment"))
    assert result.changed and sum(before[pk] != after[pk] for pk in before) >= 2
    assert _rows(segmented) != kept
    _walk_finds_nothing(segmented)
    if connection.vendor == "postgresql":
        _assert_same_as_raw(segmented, monkeypatch)


def test_a_segment_set_by_hand_moves_with_the_service(segmented):
    loyal = Customer.objects.get(organization=segmented.org, segment="loyal")
    Customer.objects.filter(pk=loyal.pk).update(segment="champions")
    assert rollup_segments_move(organization=segmented.org, customer_ids=[loyal.pk], old="loyal", new="champions")
    _walk_finds_nothing(segmented)
    assert not any(key[1] == "loyal" for key in _rows(segmented))


def test_the_reconciliation_repairs_lost_and_invented_rows(segmented):
    kept = _rows(segmented)
    rows = CaseSegmentRollup.objects.filter(organization=segmented.org)
    rows.filter(segment="loyal").delete()  # lost
    rows.filter(segment="at_risk", grain=Grain.MONTH).update(count=99, answered=50)  # invented counts
    doubled = rows.filter(segment="champions").exclude(first_answer_us=b"").first()
    rows.filter(pk=doubled.pk).update(first_answer_us=bytes(doubled.first_answer_us) * 2)  # invented clocks
    rows.filter(pk=rows.filter(segment="").exclude(resolution_us=b"").first().pk).update(resolution_gone=pack([7]))
    CaseSegmentRollup.objects.create(  # a segment nobody has
        organization=segmented.org,
        location=segmented.store,
        segment="hibernating",
        grain=Grain.MONTH,
        start=datetime.date(2026, 2, 1),
        month_start=datetime.date(2026, 2, 1),
        count=3,
        first_answer_us=pack([1, 2, 3]),
    )
    assert _rows(segmented) != kept

    corrected = rollups_reconcile(organization=segmented.org, now=NOW).case_segments_corrected

    # (The stale gone clock, of no clock the row holds, is written away without counting as a correction.)
    assert {key[1] for key in corrected} == {"loyal", "at_risk", "champions", "hibernating"}
    assert _rows(segmented) == kept
    assert not rows.filter(segment="hibernating").exists()
    assert not CaseSegmentRollup.objects.exclude(resolution_gone=b"").exists()
    _walk_finds_nothing(segmented)


@pytest.mark.parametrize("option", ["--segments-only", "--cases-only"])
def test_rebuild_counts_them_and_makes_them_read(segmented, option):
    """As migration 0009 leaves a database: no rows, not counted. Either one-table rebuild counts them (the cases-only
    one because it records the SLA policies their "in time" counts are judged by) and makes them read."""
    kept = _rows(segmented)
    CaseSegmentRollup.objects.all().delete()
    RollupState.objects.update(case_segments_counted=False)
    policies = sla_policies(organization=segmented.org)
    assert not case_rollups_ready(organization=segmented.org, policies=policies, segments=True)

    call_command("rollups", "rebuild", option)

    assert _rows(segmented) == kept
    assert case_rollups_ready(organization=segmented.org, policies=policies, segments=True)
    assert rollups_reconcile_segments(organization=segmented.org) == []
    assert rollups_reconcile_cases(organization=segmented.org) == []


def _local_day(world, case) -> datetime.date:
    case.refresh_from_db()
    return case.created_at.astimezone(world.org.zone).date()
