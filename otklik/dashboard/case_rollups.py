"""Case counts from the case rollups (docs/decisions/0031): opened, answered, answered in time, resolved,
resolved in time, as sums of `rollups.CaseRollup` per group.

/people/ reads them. /metrics/ and the report do not: their medians and 90th percentiles must be read from the
period's cases anyway (exact), and that one scan computes the counts at little extra cost — measured, reading
the counts here beside it was no faster (ADR 0031).
"""

from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import NullIf, TruncWeek

from otklik.dashboard.metrics import scope_rollups
from otklik.rollups.cases import CASE_VALUES
from otklik.rollups.models import CaseRollup, Grain

# Groups the case rollups hold, as an expression over a rollup row (a touchpoint or person 0 is "none").
CASE_ROLLUP_BREAKDOWNS = {
    "responsible": NullIf(F("responsible_id"), Value(0)),
    None: Value(0),
    "touchpoint": NullIf(F("touchpoint_id"), Value(0)),
    "location": F("location_id"),
    "month": F("month_start"),
    "week": TruncWeek("start"),
}


def case_rollup_rows(scope, *, grain: str | None = None) -> QuerySet:
    """The member's case rollups of the scope's period (and location), day or month rows as the period allows."""
    return scope_rollups(scope, grain=grain, model=CaseRollup)


def case_counts(scope, group) -> dict[object, dict]:
    """Per group (an expression over a rollup row): the summed counts, CASE_VALUES."""
    rows = case_rollup_rows(scope, grain=Grain.DAY if isinstance(group, TruncWeek) else None)
    rows = rows.annotate(group=group).values("group").annotate(**{name: Sum(name) for name in CASE_VALUES})
    return {row["group"]: row for row in rows.order_by()}
