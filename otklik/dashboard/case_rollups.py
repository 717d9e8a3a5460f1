"""Case figures from the case rollups: opened, answered, answered in time, resolved, resolved in time, as sums
of `rollups.CaseRollup` per group (docs/decisions/0031), and the medians and 90th percentiles of the clocks the
rows carry packed (ADR 0042).

/people/ reads the counts (`case_counts`); /metrics/ and the report read the counts and the clocks on PostgreSQL
(`case_parts_from_rollups`), where the rows were counted under the SLA policies in force.
"""

import datetime

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import NullIf, TruncWeek

from otklik.accounts.models import Touchpoint
from otklik.dashboard.metrics import (
    CASE_PATHS,
    PURCHASE_BREAKDOWNS,
    _case_parts,
    _key,
    group_expression,
    scope_rollups,
    scoped_cases,
    sla_hours,
)
from otklik.rollups.cases import CASE_VALUES, HOUR
from otklik.rollups.models import CaseRollup, CaseSegmentRollup, Grain
from otklik.surveys.models import Response

# Groups the case rollups hold, as an expression over a rollup row (a touchpoint or person 0 is "none").
CASE_ROLLUP_BREAKDOWNS = {
    "responsible": NullIf(F("responsible_id"), Value(0)),
    None: Value(0),
    "touchpoint": NullIf(F("touchpoint_id"), Value(0)),
    "location": F("location_id"),
    "month": F("month_start"),
    "week": TruncWeek("start"),
}


def case_rollup_rows(scope, *, grain: str | None = None, model: type = CaseRollup) -> QuerySet:
    """The member's case rollups (`model`: by place, or by segment) of the scope's period (and location), day or
    month rows as the period allows."""
    return scope_rollups(scope, grain=grain, model=model)


def case_counts(scope, group) -> dict[object, dict]:
    """Per group (an expression over a rollup row): the summed counts, CASE_VALUES."""
    rows = case_rollup_rows(scope, grain=Grain.DAY if isinstance(group, TruncWeek) else None)
    rows = rows.annotate(group=group).values("group").annotate(**{name: Sum(name) for name in CASE_VALUES})
    return {row["group"]: row for row in rows.order_by()}


_PACKED = ("first_answer_us", "first_answer_gone", "resolution_us", "resolution_gone")
_SUMMED = ("count", "answered", "answered_in_time", "resolved", "resolved_in_time")


def case_parts_from_rollups(scope, by: str | None, policies: dict, now: datetime.datetime) -> dict[object, tuple]:
    """Per group of the breakdown `by`: the six counts of `metrics._CaseFigures` and the two clocks' durations in
    whole microseconds (numpy arrays), as `metrics._case_parts` gives them from the cases, read from the case
    rollups (ADR 0042): ~21 600 month rows instead of ~500 000 cases at 10 M answers. The caller checks that the
    rows are counted under `policies` (`case_rollups_ready`).

    "Considered" (answered, or past the first-answer deadline) is not a sum: it is every case but the unanswered
    ones not yet due, which a bounded query reads from the cases opened within the longest first-answer hours.
    """
    if by == "employee":
        parts = _by_touchpoint_employee(scope, _rows_parts(scope, "touchpoint_id"))
    elif by == "product":
        every = _rows_parts(scope, None).get(0)
        parts = {None: every} if every else {}  # a case row names no product
    else:
        parts = _rows_parts(scope, by)
    if by in PURCHASE_BREAKDOWNS:
        # The cases whose answer names a seller (and no touchpoint's employee holds them) or a product belong
        # there, not to "nobody": read through the partial index of answers with a purchase, and moved.
        path = CASE_PATHS[by][-1] if by == "employee" else CASE_PATHS[by]
        # Said outright (`sold`), so PostgreSQL finds them by a semi-join on that index, not by joining every case.
        sold = Exists(Response.objects.filter(pk=OuterRef("response_id"), purchase__isnull=False))
        moved = scoped_cases(scope).filter(sold).filter(_MOVED[by]).annotate(group=F(path))
        for key, (counts, first, resolution) in _case_parts(moved, policies, now).items():
            _add(parts, key, counts, first, resolution)
            _take(parts, None, counts, first, resolution)
    waiting = _not_yet_due(scope, by, policies, now)
    for key, (counts, _first, _resolution) in parts.items():
        counts[3] = counts[0] - waiting.get(key, 0)
    # A row left at 0 (its cases moved to another row, not yet reconciled away) is no group of the cases.
    return {key: part for key, part in parts.items() if part[0][0] > 0}


def _rows_parts(scope, by: str | None) -> dict[object, tuple]:
    """The case rollups' counts and clocks (less those gone) per group: one statement, clocks joined as bytes."""
    import numpy

    group = CASE_ROLLUP_BREAKDOWNS[by] if by in CASE_ROLLUP_BREAKDOWNS else F(by)
    # By segment: the case rollups by the customers' segments of today (their own table, ADR 0050).
    model = CaseSegmentRollup if by == "segment" else CaseRollup
    rows = case_rollup_rows(scope, grain=Grain.DAY if by == "week" else None, model=model).annotate(group=group)
    inner, params = rows.values("group", *_SUMMED, *_PACKED).order_by().query.sql_with_params()
    sums = ", ".join(f'sum(r."{c}")' for c in _SUMMED)
    packed = ", ".join(f"string_agg(r.\"{c}\", ''::bytea)" for c in _PACKED)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT r."group", {sums}, {packed} FROM ({inner}) r GROUP BY r."group"', params)
        rows = cursor.fetchall()
    parts = {}
    for group, *values in rows:
        clocks = [numpy.frombuffer(bytes(b or b""), dtype=">i8").astype(numpy.int64) for b in values[5:]]
        counts = [int(v or 0) for v in values[:5]]
        parts[_key(group)] = (
            [*counts[:3], 0, *counts[3:]],  # considered: set by the caller
            _without(clocks[0], clocks[1]),
            _without(clocks[2], clocks[3]),
        )
    return parts


def _by_touchpoint_employee(scope, parts: dict) -> dict:
    """Parts per touchpoint id regrouped by the touchpoint's employee (nobody's: None)."""
    employees = dict(
        Touchpoint.objects.filter(organization=scope.membership.organization, employee__isnull=False).values_list(
            "pk", "employee_id"
        )
    )
    regrouped: dict = {}
    for touchpoint, (counts, first, resolution) in parts.items():
        _add(regrouped, employees.get(touchpoint), counts, first, resolution)
    return regrouped


_MOVED = {
    "employee": Q(touchpoint__employee__isnull=True, response__purchase__employee__isnull=False),
    "product": Q(response__purchase__product__isnull=False),
}


def _add(parts: dict, key, counts: list, first, resolution) -> None:
    import numpy

    if key not in parts:
        parts[key] = ([0] * 6, first[:0], resolution[:0])
    before = parts[key]
    parts[key] = (
        [x + y for x, y in zip(before[0], counts, strict=True)],
        numpy.concatenate([before[1], first]),
        numpy.concatenate([before[2], resolution]),
    )


def _take(parts: dict, key, counts: list, first, resolution) -> None:
    # Rows drifted behind the services' back may lack the group: nothing to take then but the counts.
    before = parts.get(key) or ([0] * 6, first[:0], resolution[:0])
    parts[key] = (
        [x - y for x, y in zip(before[0], counts, strict=True)],
        _without(before[1], first),
        _without(before[2], resolution),
    )


def _without(values, gone):
    """The multiset `values` less `gone` (numpy int64 arrays); a value gone that `values` lacks is ignored."""
    import numpy

    if not gone.size:
        return values
    kept, counts = numpy.unique(values, return_counts=True)
    taken, taken_counts = numpy.unique(gone, return_counts=True)
    at = numpy.searchsorted(kept, taken)
    found = at < kept.size
    found[found] &= kept[at[found]] == taken[found]
    counts[at[found]] -= taken_counts[found]
    return numpy.repeat(kept, numpy.maximum(counts, 0))


def _not_yet_due(scope, by: str | None, policies: dict, now: datetime.datetime) -> dict[object, int]:
    """Per group: the scope's unanswered cases whose first-answer deadline is not past at `now` — only cases opened
    within the longest first-answer hours can be, so the read is bounded by them, not by the period."""
    longest = max(p.first_answer_hours for p in policies.values()) * HOUR
    waiting = (
        scoped_cases(scope)
        .filter(thanked_at__isnull=True, created_at__gte=now - longest)
        .annotate(first_due=F("created_at") + sla_hours(policies, "first_answer_hours"))
        .filter(first_due__gte=now)
        .annotate(group=group_expression(by, CASE_PATHS, scope.tz))
        .values("group")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {_key(row["group"]): row["n"] for row in waiting}
