"""The case rollups' clocks (ADR 0042): /metrics/ and the report read their case medians and 90th percentiles
from the rows' packed clocks on PostgreSQL, with the numbers of a raw computation over the cases; the case services
keep the clocks exact, and the reconciliation repairs rows changed behind its back."""

import datetime
import random

import pytest
from django.db import connection

from otklik.cases import services as case_services
from otklik.cases.models import Severity
from otklik.dashboard import metrics
from otklik.dashboard.tests.helpers import answer
from otklik.dashboard.tests.metrics_helpers import answer_from, assert_same, make_purchase
from otklik.rollups.cases import case_rollups_ready, pack, stored_clocks, unpack
from otklik.rollups.models import CaseRollup
from otklik.rollups.services import rollups_reconcile
from otklik.sla.selectors import sla_policies
from otklik.testing.factories import make_case, make_customer, make_product, make_touchpoint, make_user

TZ_NAME = "Europe/Moscow"
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
NOW = START + datetime.timedelta(days=80, hours=5)
HOUR = datetime.timedelta(hours=1)
PERIODS = [
    {},  # all time: month rows
    {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 3, 31)},  # whole months
    {"date_from": datetime.date(2026, 1, 17), "date_to": datetime.date(2026, 3, 22)},  # days
]
BREAKDOWNS = [None, "touchpoint", "location", "month", "week", "employee", "product"]
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="read from the clocks on PostgreSQL")


@pytest.fixture
def clocked(world):
    """Cases over three months in Moscow time, some at local midnight (the day boundaries), with ties, zero and
    three-year clocks, unanswered ones not yet due at NOW, unknown severities; some opened by answers about a
    purchase (a seller, a product), some through an employee's badge."""
    world.org.time_zone = TZ_NAME
    world.org.save()
    rng = random.Random(15)
    seller = make_user(organization=world.org, username="seller_s", locations=[world.store])
    badge = make_touchpoint(location=world.store, name="Badge", kind="employee")
    badge.employee = make_user(organization=world.org, username="badge_b", locations=[world.store])
    badge.save()
    customer = make_customer(organization=world.org)
    products = [make_product(organization=world.org, name=n) for n in ("Kettle", "Toaster")]
    holders = [world.employee, world.manager, None]
    for n in range(120):
        touchpoint = [world.checkout, badge, world.other_checkout, None][n % 4]
        created = START + datetime.timedelta(seconds=rng.randint(0, 81 * 86400), microseconds=rng.randint(0, 999999))
        if n % 11 == 0:  # midnight in Moscow: the first moment of a local day
            created = datetime.datetime(2026, 2, 1 + n % 27, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))
        thanked = created + rng.random() * 60 * HOUR if rng.random() < 0.7 else None
        resolved = created + rng.random() * 300 * HOUR if rng.random() < 0.5 else None
        if n % 13 == 0:  # ties, a zero clock and a clock of three years
            thanked = created + HOUR if n % 26 else created
            resolved = created + datetime.timedelta(days=3 * 365)
        if n >= 115:  # opened just before NOW and not answered: not yet due
            created, thanked, resolved = NOW - (n - 114) * HOUR, None, None
        response = None
        if touchpoint is not None and n % 3 == 0:
            sold = make_purchase(customer=customer, product=products[n % 2], employee=[seller, None][n % 2])
            response = answer_from(survey=world.nps, touchpoint=touchpoint, score=7, customer=customer, purchase=sold)
        elif touchpoint is not None and n % 3 == 1:
            response = answer(survey=world.nps, touchpoint=touchpoint, score=8)
        make_case(
            location=touchpoint.location if touchpoint else world.store,
            touchpoint=touchpoint,
            response=response,
            severity=rng.choice([*Severity.values, "unknown"]),
            responsible=rng.choice(holders),
            created_at=created,
            thanked_at=thanked,
            resolved_at=resolved,
        )
    rollups_reconcile(organization=world.org, now=NOW)
    return world


def _in_python(scope: metrics.Scope, by: str | None) -> tuple[dict, metrics._CaseFigures]:
    """The raw computation: every case row of the scope, grouped and computed in Python."""
    policies = sla_policies(organization=scope.membership.organization)
    grouped = metrics.scoped_cases(scope).annotate(group=metrics.group_expression(by, metrics.CASE_PATHS, scope.tz))
    rows = list(grouped.values("group", "severity", "created_at", "thanked_at", "resolved_at").order_by())
    total = metrics.case_figures(rows=[{**row, "group": 0} for row in rows], policies=policies, now=NOW)
    return metrics.case_figures(rows=rows, policies=policies, now=NOW), total.get(0)


def assert_figures_are_raw(world, period: dict, by: str | None, location=None) -> None:
    scope = metrics.Scope(membership=world.owner.memberships.get(), tz=world.org.zone, location=location, **period)
    expected, expected_total = _in_python(scope, by)

    got, total = metrics._cases_by(scope, by, NOW, with_total=True)

    assert got.keys() == expected.keys(), (by, period)
    for key, figures in expected.items():
        assert_same(got[key], figures, (by, period, key))
    if expected_total is None:
        assert total is None
    else:
        assert_same(total, expected_total, (by, period, "total"))


@on_postgresql
@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("by", BREAKDOWNS)
def test_case_figures_from_the_clocks_equal_the_raw_ones(clocked, period, by, django_assert_max_num_queries):
    assert case_rollups_ready(organization=clocked.org, policies=sla_policies(organization=clocked.org))
    for location in (None, clocked.store):
        assert_figures_are_raw(clocked, period, by, location)


@on_postgresql
def test_the_clocks_are_read_not_the_cases(clocked, monkeypatch):
    """The rollups' path is the one taken: the statement over the period's cases is never run."""
    monkeypatch.setattr(metrics, "_case_figures_in_database", lambda *a, **k: pytest.fail("read the cases"))
    assert_figures_are_raw(clocked, {}, "month")


@on_postgresql
def test_one_case_and_no_case(world):
    world.org.time_zone = TZ_NAME
    world.org.save()
    rollups_reconcile(organization=world.org, now=NOW)
    assert_figures_are_raw(world, {}, None)  # no case: no group, no total
    make_case(location=world.store, created_at=START, thanked_at=START + 1.5 * HOUR)
    rollups_reconcile(organization=world.org, now=NOW)
    scope = metrics.Scope(membership=world.owner.memberships.get(), tz=world.org.zone)

    groups, total = metrics._cases_by(scope, None, NOW, with_total=True)

    assert groups[0].first_answer(0.5) == groups[0].first_answer(0.9) == total.first_answer(0.5) == 1.5
    assert groups[0].resolution(0.5) is None and total.considered == 1


def _clocks(world) -> dict[tuple, tuple]:
    rows = CaseRollup.objects.filter(organization=world.org).values(
        "location_id", "touchpoint_id", "responsible_id", "severity", "grain", "start", "count", *_PACKED
    )
    return {
        (r["location_id"], r["touchpoint_id"], r["responsible_id"], r["severity"], r["grain"], r["start"]): (
            r["count"],
            *stored_clocks({c: bytes(r[c]) for c in _PACKED}),
        )
        for r in rows
        if r["count"]
    }


_PACKED = ("first_answer_us", "first_answer_gone", "resolution_us", "resolution_gone")


def test_case_services_keep_the_clocks_exact(world):
    """Thanked, re-graded and reassigned after the answer (its clock leaves one row for another), resolved: the
    reconciliation finds nothing to correct and writes the rows back without their clocks gone."""
    case = case_services.case_create(location=world.store, content="Cold coffee.", touchpoint=world.checkout)
    other = case_services.case_create(location=world.other_store, content="Long queue.", severity=Severity.HIGH)
    rollups_reconcile(organization=world.org)
    case_services.case_thank(case=case, by=world.manager, via="phone")
    case_services.case_update(
        case=case, by=world.manager, responsible=world.manager, severity=Severity.CRITICAL, planned_fix_date=None
    )
    case_services.case_apologize(case=case, by=world.manager, apology="Sorry.")
    case_services.case_promise(
        case=case, by=world.manager, fix_promise="A new machine.", planned_fix_date=None, cannot_fix=True
    )
    case_services.case_report(case=case, by=world.manager, via="phone", cause="Old machine", action_taken="Replaced")
    case_services.case_thank(case=other, by=world.manager, via="phone")
    case.refresh_from_db()
    assert CaseRollup.objects.exclude(first_answer_gone=b"").exists()  # the clock that left the old row
    kept = _clocks(world)

    check = rollups_reconcile(organization=world.org)

    assert check.cases_corrected == []
    assert _clocks(world) == kept
    assert not CaseRollup.objects.exclude(first_answer_gone=b"").exists()  # written back without it
    day = CaseRollup.objects.get(location=world.store, grain="day", count=1)
    microsecond = datetime.timedelta(microseconds=1)
    assert unpack(bytes(day.first_answer_us)) == [(case.thanked_at - case.created_at) // microsecond]
    assert unpack(bytes(day.resolution_us)) == [(case.resolved_at - case.created_at) // microsecond]


def test_the_reconciliation_repairs_clocks_changed_behind_its_back(clocked):
    """Clocks lost, invented, doubled, a clock gone that no row held, a row emptied: all written back as counted
    from the cases, and a second walk finds nothing."""
    kept = _clocks(clocked)
    rows = list(CaseRollup.objects.filter(organization=clocked.org).exclude(first_answer_us=b"").order_by("pk")[:4])
    lost, invented, doubled, stale = rows
    CaseRollup.objects.filter(pk=lost.pk).update(first_answer_us=bytes(lost.first_answer_us)[8:])
    CaseRollup.objects.filter(pk=invented.pk).update(resolution_us=bytes(invented.resolution_us) + pack([42]))
    CaseRollup.objects.filter(pk=doubled.pk).update(first_answer_us=bytes(doubled.first_answer_us) * 2)
    CaseRollup.objects.filter(pk=stale.pk).update(first_answer_gone=pack([7]))
    CaseRollup.objects.filter(organization=clocked.org, grain="month").exclude(resolution_us=b"").update(
        resolution_us=b""
    )
    assert _clocks(clocked) != kept

    fixed = rollups_reconcile(organization=clocked.org, now=NOW)

    assert len(fixed.cases_corrected) >= 4
    assert _clocks(clocked) == kept
    assert not CaseRollup.objects.exclude(first_answer_gone=b"").exists()
    assert rollups_reconcile(organization=clocked.org, now=NOW).cases_corrected == []
    if connection.vendor == "postgresql":
        assert_figures_are_raw(clocked, {}, "touchpoint")


def test_a_row_changed_while_reconciling_keeps_the_change(clocked):
    """The reconciliation writes a row's clocks back only as it read them; a case change that landed meanwhile
    is kept (the difference is appended instead)."""
    from otklik.rollups.cases import case_clocks_rewrite
    from otklik.rollups.services import CASES

    row = CaseRollup.objects.filter(organization=clocked.org, grain="day").exclude(first_answer_us=b"").first()
    as_read = {
        "id": row.pk,
        "organization_id": row.organization_id,
        **{c: getattr(row, c) for c in CASES.key_columns[1:]},
        **{c: bytes(getattr(row, c)) for c in _PACKED},
    }
    counted = unpack(as_read["first_answer_us"])
    CaseRollup.objects.filter(pk=row.pk).update(first_answer_us=as_read["first_answer_us"] + pack([99]))  # meanwhile

    case_clocks_rewrite([(as_read, (counted[1:], unpack(as_read["resolution_us"])))])  # fresh: one clock less

    row.refresh_from_db()
    first, _resolution = stored_clocks({c: bytes(getattr(row, c)) for c in _PACKED})
    assert sorted(first.elements()) == sorted([*counted[1:], 99])


def test_the_case_walk_alone_counts_the_clocks_after_the_migration(clocked):
    """As migration 0006 leaves them: rows without clocks, unread (no policies recorded). `rollups rebuild
    --cases-only` counts the clocks (appended, nothing written back twice) and makes the rows read again."""
    from django.core.management import call_command

    from otklik.rollups.models import RollupState

    kept = _clocks(clocked)
    CaseRollup.objects.update(first_answer_us=b"", resolution_us=b"")
    RollupState.objects.update(case_policies="")
    policies = sla_policies(organization=clocked.org)
    assert not case_rollups_ready(organization=clocked.org, policies=policies)

    call_command("rollups", "rebuild", "--cases-only")

    assert _clocks(clocked) == kept
    assert case_rollups_ready(organization=clocked.org, policies=policies)
    assert rollups_reconcile(organization=clocked.org, now=NOW).cases_corrected == []
