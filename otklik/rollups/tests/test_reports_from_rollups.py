"""Every report reads the rollups where they hold the figure, and gets the numbers a raw computation gets."""

import datetime
import random

import pytest

from otklik.dashboard import metrics, people, report, selectors
from otklik.dashboard.tests.metrics_helpers import bulk_answers
from otklik.rollups.services import rollups_reconcile
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response
from otklik.testing.factories import make_survey

TZ_NAME = "Europe/Moscow"
PERIODS = [
    {},  # all time: month rows
    {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 3, 31)},  # whole months
    {"date_from": datetime.date(2026, 1, 17), "date_to": datetime.date(2026, 3, 4)},  # days
]


@pytest.fixture
def answers(world):
    """Seeded answers of every kind over four months at both locations, some near midnight (a time-zone edge)."""
    world.org.time_zone = TZ_NAME
    world.org.save()
    surveys = {
        "nps": world.nps,
        **{kind: make_survey(organization=world.org, kind=kind) for kind in KINDS if kind != "nps"},
    }
    rng = random.Random(14)
    for day in range(0, 120, 3):
        at = datetime.datetime(2026, 1, 1, 20, 30, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        for kind, survey in surveys.items():
            spec = KINDS[kind]
            for touchpoint in (world.checkout, world.other_checkout):
                scores = [rng.randint(spec.min_score, spec.max_score) for _ in range(rng.randint(0, 3))]
                bulk_answers(survey=survey, touchpoint=touchpoint, scores=scores, at=at)
    return surveys


def _tables(membership, tz) -> dict:
    out = {}
    for i, period in enumerate(PERIODS):
        scope = metrics.Scope(membership=membership, tz=tz, **period)
        now = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
        for by in ("touchpoint", "location", "month", "week"):
            out[(i, by)] = metrics.metrics_table(scope=scope, by=by, now=now)
        # Departments are the locations here (none defined): their answer figures come from the rollups.
        out[(i, "people")] = people.people_report(scope=scope).departments
        source = selectors.metrics_source(membership=membership, tz=tz, **period)
        for kind in selectors.METRIC_KINDS:
            out[(i, "headline", kind)] = selectors.metric(qs=source, kind=kind)
            out[(i, "by_touchpoint", kind)] = selectors.metric_by_touchpoint(qs=source, kind=kind)
            out[(i, "by_month", kind)] = selectors.metric_by_month(qs=source, kind=kind, tz=tz)
    month = report.month_scope(membership=membership, tz=tz, month=datetime.date(2026, 3, 1))
    out["report"] = report.touchpoint_changes(
        current=month, previous=report.month_scope(membership=membership, tz=tz, month=datetime.date(2026, 2, 1))
    )
    return out


@pytest.mark.parametrize("who", ["manager", "employee"])
def test_rollups_give_the_raw_figures_on_every_report(world, answers, who):
    membership = getattr(world, who).memberships.get()
    tz = world.org.zone
    raw = _tables(membership, tz)  # not reconciled yet: every figure is computed from the answers

    rollups_reconcile(organization=world.org)
    # Changed behind the rollups' back: what follows can only match when it reads the rollups.
    changed = Response.objects.filter(organization=world.org).update(score=0)
    assert changed > 300
    from_rollups = _tables(membership, tz)

    assert raw.keys() == from_rollups.keys()
    for key in raw:
        assert from_rollups[key] == raw[key], key
    assert raw[(0, "headline", "nps")].count > 50  # the comparison is not over empty tables


def test_breakdowns_the_rollups_do_not_hold_are_read_from_the_answers(world, answers):
    membership = world.manager.memberships.get()
    tz = world.org.zone
    scope = metrics.Scope(membership=membership, tz=tz)
    rollups_reconcile(organization=world.org)
    before = metrics.metrics_table(scope=scope, by="segment").total.answers

    Response.objects.filter(organization=world.org, kind="nps").delete()

    table = metrics.metrics_table(scope=scope, by="segment")
    assert sum(row.answers for row in table.rows) < before  # the answers, not the stale rollups
