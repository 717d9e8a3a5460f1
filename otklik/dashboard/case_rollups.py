"""The reports' case figures from the case rollups (docs/decisions/0026), with the raw reads they still need.

Counts — opened, answered, answered in time, resolved, resolved in time — are sums of `rollups.CaseRollup`.
"Considered" (answered, or past the first-answer deadline unanswered) depends on the moment of asking; it is
every case but those unanswered and not yet due. Those, and the medians and 90th percentiles, are read from the
period's cases in one grouped query over their group and clock columns: exact, and what the page still spends
in proportion to the period's cases.
"""

import datetime

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import NullIf, TruncWeek

from otklik.accounts.models import Organization
from otklik.rollups import stats
from otklik.rollups.cases import CASE_VALUES, case_rollups_ready, sla_interval
from otklik.rollups.models import CaseRollup, Grain
from otklik.rollups.selectors import rollups_for_period

HOUR = datetime.timedelta(hours=1)
QUANTILES = (0.5, 0.9)
# Breakdowns the case rollups hold, as a group of a rollup row (the touchpoint 0 is "none").
CASE_ROLLUP_BREAKDOWNS = {
    None: Value(0),
    "touchpoint": NullIf(F("touchpoint_id"), Value(0)),
    "location": F("location_id"),
    "month": F("month_start"),
    "week": TruncWeek("start"),
}


def case_rollups_usable(*, organization: Organization, by: str | None, policies: dict) -> bool:
    """Whether `by` can be read from the case rollups now (they hold it and count by these policies)."""
    return by in CASE_ROLLUP_BREAKDOWNS and case_rollups_ready(organization=organization, policies=policies)


def case_rollup_rows(scope, *, grain: str | None = None) -> QuerySet:
    """The member's case rollups of the scope's period (and location), day or month rows as the period allows."""
    return rollups_for_period(
        membership=scope.membership,
        date_from=scope.date_from,
        date_to=scope.date_to,
        location=scope.location,
        grain=grain,
        model=CaseRollup,
    )


def case_counts(scope, group) -> dict[object, dict]:
    """Per group (an expression over a rollup row): the summed counts, CASE_VALUES."""
    rows = case_rollup_rows(scope, grain=Grain.DAY if isinstance(group, TruncWeek) else None)
    rows = rows.annotate(group=group).values("group").annotate(**{name: Sum(name) for name in CASE_VALUES})
    return {row["group"]: row for row in rows.order_by()}


def _hours_sql(end: str):
    from django.db.models import FloatField, Func

    # Whole microseconds divided once, as Python divides one timedelta by another: the same floats.
    return Func(
        F(end),
        F("created_at"),
        template="(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000000)::float8 / 3600000000.0",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def clocks(cases: QuerySet, policies: dict, now: datetime.datetime) -> dict[object, dict]:
    """Per group (`cases` annotated with `group`): the median and 90th percentile of the hours to first answer
    and to resolution ("first", "resolution": share → hours), and the cases not answered whose first-answer
    deadline is still ahead ("waiting": what "considered" leaves out). One read of the group and clock columns.

    PostgreSQL: percentile_cont over an array of shares. Elsewhere the clock columns are read and
    `stats.percentile` interpolates the same way.
    """
    shares = ", ".join(str(float(share)) for share in QUANTILES)
    cases = cases.annotate(first_due=F("created_at") + sla_interval(policies, "first_answer_hours"))
    waiting = Q(thanked_at__isnull=True, first_due__gte=now)
    result: dict[object, dict] = {}
    if connection.vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField
        from django.db.models import Aggregate, FloatField

        class Quantiles(Aggregate):
            function = "percentile_cont"
            template = f"%(function)s(ARRAY[{shares}]) WITHIN GROUP (ORDER BY %(expressions)s)"
            output_field = ArrayField(FloatField())

        rows = (
            cases.values("group")
            .annotate(
                first=Quantiles(_hours_sql("thanked_at"), filter=Q(thanked_at__isnull=False)),
                resolution=Quantiles(_hours_sql("resolved_at"), filter=Q(resolved_at__isnull=False)),
                waiting=Count("id", filter=waiting),
            )
            .order_by()
        )
        for row in rows:
            result[row["group"]] = {
                **{
                    clock: dict(zip(QUANTILES, row[clock] or [None] * len(QUANTILES), strict=True))
                    for clock in ("first", "resolution")
                },
                "waiting": row["waiting"],
            }
        return result
    hours: dict[object, dict] = {}
    rows = cases.values_list("group", "created_at", "thanked_at", "resolved_at", "first_due")
    for group, created, thanked, resolved, first_due in rows.order_by():
        item = hours.setdefault(group, {"first": [], "resolution": [], "waiting": 0})
        if thanked is not None:
            item["first"].append((thanked - created) / HOUR)
        else:
            item["waiting"] += first_due >= now
        if resolved is not None:
            item["resolution"].append((resolved - created) / HOUR)
    for group, item in hours.items():
        result[group] = {
            **{
                clock: {share: stats.percentile(item[clock], share) for share in QUANTILES}
                for clock in ("first", "resolution")
            },
            "waiting": item["waiting"],
        }
    return result
