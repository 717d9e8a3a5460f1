"""Reads behind the dashboard and the answers list: scoped answers, NPS / CSAT / CES, open cases.

Every count happens in the database with conditional aggregation, so a metric over a
million answers is one indexed query, the same on SQLite and PostgreSQL. The metric
functions take either answers or their daily rollups (otklik.rollups); `metrics_source`
picks the rollups whenever they can give the same numbers, which keeps the dashboard
fast over tens of millions of answers.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Aggregate, Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from otklik.accounts.models import Location, Membership, Touchpoint
from otklik.cases.models import Case, Step
from otklik.cases.visibility import cases_visible_q
from otklik.insights.selectors import AnswerSums
from otklik.rollups.metrics import HEADLINE_METRICS, METRICS, NPS, PARTS, Ces, Csat, Nps
from otklik.rollups.models import ResponseRollup
from otklik.rollups.selectors import rollups_for_period, rollups_ready
from otklik.surveys.filters import responses_filter, responses_visible
from otklik.surveys.models import Response

# The overview's metrics, in its order; each is defined once in rollups.metrics.
METRIC_KINDS = HEADLINE_METRICS

Metric = Nps | Csat | Ces


@dataclass(frozen=True)
class TouchpointMetric:
    touchpoint_id: int
    touchpoint_name: str
    location_name: str
    metric: Metric

    @property
    def label(self) -> str:
        return f"{self.location_name} · {self.touchpoint_name}"


@dataclass(frozen=True)
class MonthMetric:
    month: datetime.date  # the first day of the month, in the organization's time zone
    metric: Metric


@dataclass(frozen=True)
class LocationMonthMetric:
    location_id: int
    location_name: str
    month: datetime.date
    metric: Metric


@dataclass(frozen=True)
class CaseHolder:
    """Someone holding open cases (user_id None: nobody is responsible)."""

    user_id: int | None
    name: str
    open_count: int
    oldest_created_at: datetime.datetime


def metrics_source(
    *,
    membership: Membership,
    tz: datetime.tzinfo,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    location: Location | None = None,
) -> QuerySet[Response] | QuerySet[ResponseRollup]:
    """What the metric functions should read for this member and period: the daily rollups when they
    were counted in the organization's time zone (the same numbers, far fewer rows), else the answers.
    """
    if rollups_ready(organization=membership.organization):
        return rollups_for_period(membership=membership, date_from=date_from, date_to=date_to, location=location)
    qs = responses_visible(membership=membership)
    return responses_filter(qs=qs, tz=tz, date_from=date_from, date_to=date_to, location=location)


def responses_for_list(*, qs: QuerySet[Response]) -> QuerySet[Response]:
    """Answers ready for the list page: newest first, with their places and the id of their case."""
    qs = qs.select_related("touchpoint", "location", "customer")
    return qs.annotate(case_pk=F("case__id")).order_by("-created_at", "-id")


def _aggregates(kind: str, model: type = Response) -> dict:
    # The metric's own aggregates (rollups.metrics), over answers or their rollups.
    return METRICS[kind].aggregates(rollups=model is ResponseRollup)


def _month(model: type, tz: datetime.tzinfo):
    # Rollup days are already the organization's days; answers are truncated in `tz`.
    return F("month_start") if model is ResponseRollup else TruncMonth("created_at", tzinfo=tz)


def _metric_from_row(kind: str, row: dict) -> Metric:
    return METRICS[kind].headline(row)


def metric(*, qs: QuerySet[Response] | QuerySet[ResponseRollup], kind: str) -> Metric:
    """NPS, CSAT or CES (by `kind`) over the answers of that kind in `qs` (answers or their rollups)."""
    return _metric_from_row(kind, qs.filter(kind=kind).aggregate(**_aggregates(kind, qs.model)))


def nps(qs: QuerySet[Response]) -> Nps:
    """NPS over the NPS answers in `qs`, rounded to one decimal (3 promoters, 2 detractors of 6 → 16.7)."""
    return metric(qs=qs, kind="nps")


def csat(qs: QuerySet[Response]) -> Csat:
    """CSAT over the CSAT answers in `qs`: % of 4–5 (one decimal) and the mean (two decimals)."""
    return metric(qs=qs, kind="csat")


def ces(qs: QuerySet[Response]) -> Ces:
    """CES over the CES answers in `qs`: the mean effort, two decimals."""
    return metric(qs=qs, kind="ces")


def metric_by_touchpoint(*, qs: QuerySet[Response] | QuerySet[ResponseRollup], kind: str) -> list[TouchpointMetric]:
    """The metric per touchpoint that has answers of this kind, ordered by location and touchpoint."""
    rows = (
        qs.filter(kind=kind)
        .values("touchpoint_id", "touchpoint__name", "touchpoint__location__name")
        .annotate(**_aggregates(kind, qs.model))
        .order_by("touchpoint__location__name", "touchpoint__name", "touchpoint_id")
    )
    return [
        TouchpointMetric(
            touchpoint_id=row["touchpoint_id"],
            touchpoint_name=row["touchpoint__name"],
            location_name=row["touchpoint__location__name"],
            metric=_metric_from_row(kind, row),
        )
        for row in rows
    ]


def metric_by_month(
    *, qs: QuerySet[Response] | QuerySet[ResponseRollup], kind: str, tz: datetime.tzinfo = datetime.UTC
) -> list[MonthMetric]:
    """The metric per calendar month (in `tz`; rollups are in the organization's) with answers, oldest first."""
    rows = (
        qs.filter(kind=kind)
        .annotate(month=_month(qs.model, tz))
        .values("month")
        .annotate(**_aggregates(kind, qs.model))
        .order_by("month")
    )
    return [MonthMetric(month=_as_date(row["month"]), metric=_metric_from_row(kind, row)) for row in rows]


def metric_by_location_month(
    *, qs: QuerySet[Response] | QuerySet[ResponseRollup], kind: str, tz: datetime.tzinfo = datetime.UTC
) -> list[LocationMonthMetric]:
    """The metric per location and calendar month with answers, by location name, then oldest month first."""
    # Grouped by id only (names are joined afterwards): a small hash aggregate instead of a sort of every row.
    rows = (
        qs.filter(kind=kind)
        .annotate(month=_month(qs.model, tz))
        .values("location_id", "month")
        .annotate(**_aggregates(kind, qs.model))
        .order_by()
    )
    rows = list(rows)
    names = dict(Location.objects.filter(pk__in={row["location_id"] for row in rows}).values_list("pk", "name"))
    metrics = [
        LocationMonthMetric(
            location_id=row["location_id"],
            location_name=names[row["location_id"]],
            month=_as_date(row["month"]),
            metric=_metric_from_row(kind, row),
        )
        for row in rows
    ]
    return sorted(metrics, key=lambda m: (m.location_name, m.location_id, m.month))


@dataclass(frozen=True)
class MetricFigures:
    """One metric's overview figures: its headline, per touchpoint and per month (as the three reads above give)."""

    headline: Metric
    by_touchpoint: list[TouchpointMetric]
    by_month: list[MonthMetric]


def metrics_from_rollups(*, qs: QuerySet[ResponseRollup], kinds: tuple[str, ...]) -> dict[str, MetricFigures]:
    """`metric`, `metric_by_touchpoint` and `metric_by_month` of every kind in `kinds` from ONE read of the rollups
    (`overview_from_rollups` without its sums for the theme card)."""
    return overview_from_rollups(qs=qs, kinds=kinds)[0]


def overview_from_rollups(
    *, qs: QuerySet[ResponseRollup], kinds: tuple[str, ...]
) -> tuple[dict[str, MetricFigures], AnswerSums]:
    """`metric`, `metric_by_touchpoint` and `metric_by_month` of every kind in `kinds` from ONE read of the rollups,
    and the sums the loyalty card needs of the same rows (the NPS parts, the answers with text per place).

    The rows are grouped by touchpoint and month with every kind's parts (integer sums, each filtered to its kind)
    and added up per kind, per touchpoint and per month (on PostgreSQL by `GROUPING SETS`, elsewhere here): the
    same integers, so the same figures. Places come ordered by location and touchpoint name in the database's
    collation, as `metric_by_touchpoint` orders them. The answers with text are added up per location and
    touchpoint of the rollup rows, as the card's own read groups them (a third grouping set, decision 0057).
    """
    aggregates = {}
    for kind in kinds:
        aggregates |= METRICS[kind].aggregates(rollups=True, prefix=f"{kind}_")
        aggregates[f"{kind}_rows"] = Count("id", filter=Q(kind=kind))  # a group "has" a kind as its filter would
    aggregates["with_text"] = Sum("with_text")
    totals: dict[str, dict] = {kind: {} for kind in kinds}
    by_touchpoint: dict[str, dict[int, dict]] = {kind: {} for kind in kinds}
    by_month: dict[str, dict[datetime.date, dict]] = {kind: {} for kind in kinds}
    names: dict[int, tuple[str, str]] = {}
    with_text: dict[tuple[int, int], tuple[str, str, int]] = {}

    def add(kind: str, target: dict, row: dict) -> None:
        for part in PARTS:
            key = f"{kind}_{part}"
            target[key] = target.get(key, 0) + int(row.get(key) or 0)

    def add_text(row: dict) -> None:
        place = (row["location_id"], row["touchpoint_id"])
        before = with_text.get(place, ("", "", 0))[2]
        with_text[place] = (row["location__name"], row["touchpoint__name"], before + int(row["with_text"] or 0))

    if connections[qs.db].vendor == "postgresql":
        # The rows grouped by their ids alone (touchpoint, month, place), added up again by touchpoint, by month and
        # by place (a few hundred rows back instead of thousands), and only then joined to the names: grouping the
        # names too made PostgreSQL sort the rows by them (40 → 100 ms at 1 M answers). Touchpoints in name order
        # (the database's collation), then the months. GROUPING(month_start, location_id): 3 by touchpoint, 1 by
        # month, 2 by place.
        by_ids = qs.values("touchpoint_id", "month_start", "location_id").annotate(**aggregates).order_by()
        inner, params = by_ids.query.sql_with_params()
        sums = ", ".join(f'SUM("{column}") AS "{column}"' for column in aggregates)
        touchpoints, locations = Touchpoint._meta.db_table, Location._meta.db_table
        sql = (
            "SELECT g.*, t.name AS touchpoint__name, tl.name AS touchpoint__location__name, l.name AS location__name "
            f"FROM (SELECT touchpoint_id, month_start, location_id, GROUPING(month_start, location_id) AS grouped_out, "
            f"{sums} FROM ({inner}) i "
            "GROUP BY GROUPING SETS ((touchpoint_id), (month_start), (location_id, touchpoint_id))) g "
            f"LEFT JOIN {touchpoints} t ON t.id = g.touchpoint_id LEFT JOIN {locations} tl ON tl.id = t.location_id "
            f"LEFT JOIN {locations} l ON l.id = g.location_id "
            "ORDER BY g.grouped_out DESC, tl.name, t.name, g.touchpoint_id, g.month_start"
        )
        with connections[qs.db].cursor() as cursor:
            cursor.execute(sql, params)
            names_of = [column[0] for column in cursor.description]
            rows = [dict(zip(names_of, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            if row["grouped_out"] == 2:  # by the rows' place: the answers with text
                add_text(row)
                continue
            for kind in kinds:
                if not row[f"{kind}_rows"]:
                    continue
                if row["grouped_out"] == 3:  # by touchpoint: one place's row; the places add up to the total
                    names[row["touchpoint_id"]] = (row["touchpoint__name"], row["touchpoint__location__name"])
                    add(kind, by_touchpoint[kind].setdefault(row["touchpoint_id"], {}), row)
                    add(kind, totals[kind], row)
                else:
                    add(kind, by_month[kind].setdefault(_as_date(row["month_start"]), {}), row)
    else:
        places = ("touchpoint_id", "touchpoint__name", "touchpoint__location__name", "location_id", "location__name")
        grouped = qs.values(*places, "month_start").annotate(**aggregates)
        ordered = grouped.order_by("touchpoint__location__name", "touchpoint__name", "touchpoint_id", "month_start")
        for row in ordered:
            add_text(row)
            names[row["touchpoint_id"]] = (row["touchpoint__name"], row["touchpoint__location__name"])
            for kind in kinds:
                if not row[f"{kind}_rows"]:
                    continue
                add(kind, totals[kind], row)
                add(kind, by_touchpoint[kind].setdefault(row["touchpoint_id"], {}), row)
                add(kind, by_month[kind].setdefault(_as_date(row["month_start"]), {}), row)
    out = {}
    for kind in kinds:
        headline = METRICS[kind].headline(totals[kind], prefix=f"{kind}_")
        touchpoints, months = [], []
        if headline.count:  # as the overview asks for the breakdowns only of a metric with answers
            touchpoints = [
                TouchpointMetric(
                    touchpoint_id=touchpoint,
                    touchpoint_name=names[touchpoint][0],
                    location_name=names[touchpoint][1],
                    metric=METRICS[kind].headline(parts, prefix=f"{kind}_"),
                )
                for touchpoint, parts in by_touchpoint[kind].items()  # in the rows' (the database's) order
            ]
            months = [
                MonthMetric(month=month, metric=METRICS[kind].headline(parts, prefix=f"{kind}_"))
                for month, parts in sorted(by_month[kind].items())
            ]
        out[kind] = MetricFigures(headline=headline, by_touchpoint=touchpoints, by_month=months)
    nps = NPS.parts(totals[NPS.kind], prefix=f"{NPS.kind}_") if NPS.kind in kinds else {}
    return out, AnswerSums(nps=nps, with_text=with_text)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def cases_open(*, membership: Membership, location: Location | None = None) -> QuerySet[Case]:
    """Open (not yet resolved) cases this member may see, oldest first."""
    cases = Case.objects.filter(cases_visible_q(membership=membership)).exclude(step=Step.RESOLVED)
    if location is not None:
        cases = cases.filter(location=location)
    return cases.order_by("created_at", "id")


@dataclass(frozen=True)
class OpenCases:
    """The open cases read once for `/`: who holds them, how many, and the figures the caller added."""

    holders: list[CaseHolder]
    count: int
    figures: dict[str, int]  # each extra aggregate summed over every open case


def cases_open_read(*, cases: QuerySet[Case], figures: dict[str, Aggregate] | None = None) -> OpenCases:
    """Who holds the given open cases (count and oldest case per responsible person, busiest first) and, in the
    same statement, the aggregates `figures` (counts) over them.

    The cases are grouped by the responsible person's id alone and the few people read after: joining the user to
    every open case before grouping cost twice the grouping itself at 100 000 open cases (decision 0053). The SLA
    card's open figures ride along (`sla.selectors.sla_open_aggregates`): every open case falls in exactly one
    holder row (nobody's included), so the rows' counts add up to the whole, and the ~100 000 open cases at 10 M
    answers are scanned once, not twice (decision 0057).
    """
    figures = figures or {}
    rows = list(
        cases.order_by()
        .values("responsible_id")
        .annotate(open_count=Count("id"), oldest_created_at=Min("created_at"), **figures)
        .order_by("-open_count", "oldest_created_at")
    )
    held_by = [row["responsible_id"] for row in rows if row["responsible_id"] is not None]
    people = get_user_model().objects.in_bulk(held_by)
    holders = []
    for row in rows:
        person = people.get(row["responsible_id"])
        holders.append(
            CaseHolder(
                user_id=row["responsible_id"],
                name=(person.get_full_name() or person.username) if person is not None else "",
                open_count=row["open_count"],
                oldest_created_at=row["oldest_created_at"],
            )
        )
    return OpenCases(
        holders=holders,
        count=sum(holder.open_count for holder in holders),
        figures={name: sum(row[name] for row in rows) for name in figures},
    )


def cases_open_oldest(*, cases: QuerySet[Case], limit: int = 10) -> list[Case]:
    """The `limit` oldest of the given open cases, with their holder and place loaded."""
    return list(cases.select_related("responsible", "location", "touchpoint").order_by("created_at", "id")[:limit])


@dataclass(frozen=True)
class ReviewOutcomes:
    clicks: int  # promoters who followed the thank-you page's link to a public review page
    by_site: dict[str, int]


def review_outcomes(*, qs: QuerySet[Response]) -> ReviewOutcomes:
    """How many of these (scoped, filtered) answers led to a click to a public review page, per site."""
    rows = qs.filter(review_clicked_at__isnull=False).order_by().values("review_site").annotate(n=Count("id"))
    by_site = {row["review_site"]: row["n"] for row in rows}
    return ReviewOutcomes(clicks=sum(by_site.values()), by_site=by_site)
