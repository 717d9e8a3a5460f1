"""Reads behind /metrics/ (D5): every loyalty and service metric by one breakdown, with intervals.

A breakdown is one of touchpoint, location, employee, segment, product, month or week. Each
source (answers, invitations, cases, recovery follow-ups) is grouped by the same breakdown in one
query, and the rows are joined in Python by their key. The employee of an answer is the person
whose QR code (employee touchpoint) it came through, else the seller of the purchase it is about.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Case as Cases
from django.db.models import (
    Count,
    DurationField,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.accounts.models import Location, Membership, Touchpoint
from otklik.accounts.selectors import visible_locations
from otklik.cases.models import Case, Severity
from otklik.customers.models import Product
from otklik.improvements.models import RecoveryFollowUp
from otklik.rollups import stats
from otklik.rollups.cases import case_rollups_ready
from otklik.rollups.metrics import CES, CSAT, NPS, READINESS, all_aggregates, nps_counts
from otklik.rollups.models import Grain, ResponseRollup, SegmentRollup
from otklik.rollups.selectors import rollups_for_period, rollups_ready
from otklik.sla.models import SlaPolicy
from otklik.sla.selectors import sla_policies
from otklik.surveys.filters import responses_visible
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Invitation, Response

if TYPE_CHECKING:
    import numpy

BREAKDOWNS: dict[str, str] = {
    "touchpoint": gettext_lazy("Touchpoint"),
    "location": gettext_lazy("Location"),
    "employee": gettext_lazy("Employee"),
    "segment": gettext_lazy("Customer segment"),
    "product": gettext_lazy("Product"),
    "month": gettext_lazy("Month"),
    "week": gettext_lazy("Week"),
}
PERIOD_BREAKDOWNS = ("month", "week")
HOUR = datetime.timedelta(hours=1)

# Where each breakdown lives in each source. A tuple is a fallback chain (Coalesce).
RESPONSE_PATHS = {
    "touchpoint": "touchpoint",
    "location": "location",
    "employee": ("touchpoint__employee", "purchase__employee"),
    "segment": "customer__segment",
    "product": "purchase__product",
    "time": "created_at",
}
_INVITATION_PATHS = {**RESPONSE_PATHS, "location": "touchpoint__location"}
CASE_PATHS = {**RESPONSE_PATHS, "employee": ("touchpoint__employee", "response__purchase__employee")}
CASE_PATHS["product"] = "response__purchase__product"
_FOLLOWUP_PATHS = {
    name: tuple(f"case__{p}" for p in path) if isinstance(path, tuple) else f"case__{path}"
    for name, path in CASE_PATHS.items()
}


@dataclass(frozen=True)
class Scope:
    """What the member looks at: their organization (and locations), a period, maybe one location."""

    membership: Membership
    tz: datetime.tzinfo = datetime.UTC
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    location: Location | None = None


@dataclass
class MetricsRow:
    """Every D5 metric for one group (or the total); None where the group has nothing to measure."""

    key: object
    label: str
    answers: int = 0
    nps_counts: tuple[int, int, int] = (0, 0, 0)  # promoters, passives, detractors
    nps: stats.Interval | None = None
    nps_change: stats.Difference | None = None  # against the previous period row
    csat: stats.Interval | None = None
    ces: stats.Interval | None = None
    readiness: stats.Interval | None = None  # % who would tell us about a problem
    invitations: int = 0
    invitations_answered: int = 0
    response_rate: stats.Interval | None = None
    cases: int = 0
    cases_answered: int = 0
    answered_share: float | None = None  # % of complaints the customer was answered on
    answered_in_sla_share: float | None = None  # as on /sla/: of answered or overdue, % answered in time
    first_answer_median_h: float | None = None
    first_answer_p90_h: float | None = None
    resolution_median_h: float | None = None
    resolution_p90_h: float | None = None
    recovery_answered: int = 0
    recovery_improved: int = 0
    recovery_improved_share: float | None = None  # % of follow-ups answered with a better score


@dataclass
class MetricsTable:
    by: str
    rows: list[MetricsRow] = field(default_factory=list)
    total: MetricsRow | None = None


def _bounds(scope: Scope) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The period as [start, end) datetimes in the organization's time zone (whole days, both inclusive)."""
    start = end = None
    if scope.date_from is not None:
        start = datetime.datetime.combine(scope.date_from, datetime.time.min, tzinfo=scope.tz)
    if scope.date_to is not None:
        end = datetime.datetime.combine(scope.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=scope.tz)
    return start, end


def _narrow(qs: QuerySet, scope: Scope, paths: dict) -> QuerySet:
    start, end = _bounds(scope)
    if start is not None:
        qs = qs.filter(**{f"{paths['time']}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{paths['time']}__lt": end})
    if scope.location is not None:
        qs = qs.filter(**{paths["location"]: scope.location})
    return qs


def scoped_responses(scope: Scope) -> QuerySet[Response]:
    """The member's answers in the scope's period and location."""
    return _narrow(responses_visible(membership=scope.membership), scope, RESPONSE_PATHS)


def scoped_invitations(scope: Scope) -> QuerySet[Invitation]:
    """The member's invitations sent in the period (their touchpoint's location decides who sees them)."""
    membership = scope.membership
    qs = Invitation.objects.filter(organization=membership.organization)
    if not membership.sees_whole_organization:
        qs = qs.filter(touchpoint__location__in=visible_locations(membership=membership))
    return _narrow(qs, scope, _INVITATION_PATHS)


def scoped_cases(scope: Scope) -> QuerySet[Case]:
    """The member's cases opened in the period."""
    membership = scope.membership
    qs = Case.objects.filter(organization=membership.organization)
    if not membership.sees_whole_organization:
        # Every case of the organization is at one of its locations: only a narrower member needs the list, and
        # without it PostgreSQL reads the period's cases by (organization, created_at) alone (case_org_created).
        qs = qs.filter(location__in=visible_locations(membership=membership))
    return _narrow(qs, scope, CASE_PATHS)


def scoped_followups(scope: Scope) -> QuerySet[RecoveryFollowUp]:
    """Recovery follow-ups of the member's cases opened in the period."""
    membership = scope.membership
    qs = RecoveryFollowUp.objects.filter(
        case__organization=membership.organization,
        case__location__in=visible_locations(membership=membership),
        case__response__isnull=False,
    )
    return _narrow(qs, scope, _FOLLOWUP_PATHS)


def group_expression(by: str | None, paths: dict, tz: datetime.tzinfo) -> Expression:
    if by is None:
        return Value(0)
    if by == "month":
        return TruncMonth(paths["time"], tzinfo=tz)
    if by == "week":
        return TruncWeek(paths["time"], tzinfo=tz)
    path = paths[by]
    if by == "segment":
        # No customer and a customer not yet segmented are both "no segment".
        return Coalesce(F(path), Value(""))
    if isinstance(path, tuple):
        return Coalesce(*(F(p) for p in path))
    return F(path)


def _grouped(qs: QuerySet, by: str | None, paths: dict, tz: datetime.tzinfo, aggregates: dict) -> dict:
    rows = qs.annotate(group=group_expression(by, paths, tz)).values("group").annotate(**aggregates).order_by()
    return {_key(row["group"]): row for row in rows}


def _key(value: object) -> object:
    return value.date() if isinstance(value, datetime.datetime) else value


# Breakdowns the rollups hold (they count answers per touchpoint, location and day); segment has rollups of its
# own, kept by the customers' segments of today (`rollups.segments`).
ROLLUP_BREAKDOWNS = {
    None: Value(0),
    "touchpoint": F("touchpoint"),
    "location": F("location"),
    "month": F("month_start"),
    "week": TruncWeek("start"),
}
# Breakdowns the rollups hold except for answers tied to a purchase: an answer's employee is its touchpoint's
# (a rollup row has one touchpoint) and only when that is nobody the purchase's seller; the product is the
# purchase's. Per breakdown: the group of a rollup row, which purchase-tied answers belong elsewhere, and where.
PURCHASE_BREAKDOWNS = {
    "employee": (
        F("touchpoint__employee"),
        Q(touchpoint__employee__isnull=True, purchase__employee__isnull=False),
        "purchase__employee",
    ),
    "product": (Value(None, output_field=IntegerField()), Q(purchase__product__isnull=False), "purchase__product"),
}


def scope_rollups(scope: Scope, *, grain: str | None = None, model: type = ResponseRollup) -> QuerySet:
    """The member's rollups (`model`: answers, tags or cases) of the scope's period and location."""
    return rollups_for_period(
        membership=scope.membership,
        date_from=scope.date_from,
        date_to=scope.date_to,
        location=scope.location,
        grain=grain,
        model=model,
    )


def grouped_with_purchases(
    scope: Scope, by: str, *, rollup_aggregates: dict, answer_aggregates: dict, also: tuple[str, ...] = ()
) -> dict[tuple, dict]:
    """The scope's answers by employee or product (and the fields `also`), from the rollups and the few
    answers tied to a purchase, keyed by (group, *also).

    The rollups give each touchpoint's employee (product: none); the purchase-tied answers that belong to
    someone else (a seller, a product) are read from the answers, through the partial index on answers with
    a purchase, and moved there from the group "nobody". Both aggregate dicts must name the same sums.
    """
    group, moved_q, path = PURCHASE_BREAKDOWNS[by]
    rows = scope_rollups(scope).annotate(group=group).values("group", *also).annotate(**rollup_aggregates).order_by()
    totals: dict[tuple, dict] = {}

    def add(row: dict, key: tuple, sign: int) -> None:
        total = totals.setdefault(key, {"group": key[0], **dict(zip(also, key[1:], strict=True))})
        for name in rollup_aggregates:
            total[name] = total.get(name, 0) + sign * int(row[name] or 0)

    for row in rows:
        add(row, (row["group"], *(row[f] for f in also)), +1)
    moved = (
        scoped_responses(scope)
        # Said outright (the join implies it) so PostgreSQL reads the partial index of answers with a purchase.
        .filter(moved_q, purchase__isnull=False)
        .annotate(group=F(path))
        .values("group", *also)
        .annotate(**answer_aggregates)
        .order_by()
    )
    for row in moved:
        add(row, (row["group"], *(row[f] for f in also)), +1)
        add(row, (None, *(row[f] for f in also)), -1)
    # A group left with nothing (all its answers moved, or removed since) is not a group of the answers.
    return {key: row for key, row in totals.items() if any(row[name] for name in rollup_aggregates)}


def answer_groups(scope: Scope, by: str | None, aggregates: Callable[..., dict]) -> dict[object, dict]:
    """The answers of the scope grouped by the breakdown, each group aggregated by `aggregates(rollups=…)`.

    Read from the rollups when they hold the breakdown and were counted in the organization's time zone
    (the same numbers from far fewer rows), else from the answers.
    """
    membership = scope.membership
    if by in ROLLUP_BREAKDOWNS and rollups_ready(organization=membership.organization):
        qs = scope_rollups(scope, grain=Grain.DAY if by == "week" else None)
        rows = qs.annotate(group=ROLLUP_BREAKDOWNS[by]).values("group").annotate(**aggregates(rollups=True))
        return {_key(row["group"]): row for row in rows.order_by()}
    if by == "segment" and rollups_ready(organization=membership.organization, segments=True):
        # By the customers' segments of today, kept so by `rollups.segments` (decision 0047).
        # Rows a move emptied (every answer of theirs now under another segment) are no group of the answers.
        qs = scope_rollups(scope, model=SegmentRollup).filter(count__gt=0)
        rows = qs.values(group=F("segment")).annotate(**aggregates(rollups=True))
        return {row["group"]: row for row in rows.order_by()}
    if by in PURCHASE_BREAKDOWNS and rollups_ready(organization=membership.organization):
        groups = grouped_with_purchases(
            scope, by, rollup_aggregates=aggregates(rollups=True), answer_aggregates=aggregates(rollups=False)
        )
        return {key[0]: row for key, row in groups.items()}
    return _grouped(scoped_responses(scope), by, RESPONSE_PATHS, scope.tz, aggregates(rollups=False))


def _followup_aggregates() -> dict:
    before, after = F("case__response__score"), "invitation__response__score"
    # A lower effort score (CES) is the better one: the kind says so.
    lower_better = Q(case__response__kind__in=[code for code, kind in KINDS.items() if kind.lower_is_better])
    better = (~lower_better & Q(**{f"{after}__gt": before})) | (lower_better & Q(**{f"{after}__lt": before}))
    return {
        "answered": Count("id", filter=Q(invitation__response__isnull=False)),
        "improved": Count("id", filter=better),
    }


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _hours(delta: datetime.timedelta) -> float:
    return delta / HOUR


@dataclass
class _CaseFigures:
    count: int = 0
    answered: int = 0
    answered_in_time: int = 0
    considered: int = 0  # answered, or past the first-answer deadline without an answer
    resolved: int = 0
    resolved_in_time: int = 0
    first_answer_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)
    # Quantiles computed by the database (share → hours); when set, the lists above stay empty.
    first_answer_quantiles: dict[float, float | None] | None = None
    resolution_quantiles: dict[float, float | None] | None = None

    def first_answer(self, share: float) -> float | None:
        if self.first_answer_quantiles is not None:
            return self.first_answer_quantiles[share]
        return stats.percentile(self.first_answer_hours, share)

    def resolution(self, share: float) -> float | None:
        if self.resolution_quantiles is not None:
            return self.resolution_quantiles[share]
        return stats.percentile(self.resolution_hours, share)


def case_figures(
    *, rows: list[dict], policies: dict[str, SlaPolicy], now: datetime.datetime
) -> dict[object, "_CaseFigures"]:
    """Answer and resolution figures per group from case rows (group, severity, created/thanked/resolved).

    "Answered" is the first contact with the customer (the thank-you step), as on /sla/. Durations
    are kept as lists for the median and the 90th percentile.
    """
    figures: dict[object, _CaseFigures] = defaultdict(_CaseFigures)
    for row in rows:
        policy = policies.get(row["severity"]) or policies[Severity.MEDIUM]
        first_due = row["created_at"] + policy.first_answer_hours * HOUR
        resolution_due = row["created_at"] + policy.resolution_hours * HOUR
        item = figures[_key(row["group"])]
        item.count += 1
        if row["thanked_at"] is not None:
            item.answered += 1
            item.considered += 1
            item.answered_in_time += row["thanked_at"] <= first_due
            item.first_answer_hours.append(_hours(row["thanked_at"] - row["created_at"]))
        elif now > first_due:
            item.considered += 1
        if row["resolved_at"] is not None:
            item.resolved += 1
            item.resolved_in_time += row["resolved_at"] <= resolution_due
            item.resolution_hours.append(_hours(row["resolved_at"] - row["created_at"]))
    return figures


def sla_hours(policies: dict[str, SlaPolicy], attr: str, *, default: str = Severity.MEDIUM) -> Cases:
    """The hours of the case's severity's policy (`attr`), as an interval; an unknown severity gets `default`'s."""
    return Cases(
        *(When(severity=severity, then=Value(getattr(p, attr) * HOUR)) for severity, p in policies.items()),
        default=Value(getattr(policies[default], attr) * HOUR),
        output_field=DurationField(),
    )


QUANTILES = (0.5, 0.9)


# A clock's whole microseconds as 8 big-endian bytes: the durations of a group come back as one bytea, so no
# per-case row crosses to Python and PostgreSQL sorts nothing. date_part's float8 epoch (not EXTRACT's numeric,
# about twice as slow) rounds back to the exact microsecond for any clock under 2**31 seconds (68 years): its
# error there is under 0.001 µs.
_MICROSECONDS = 'round(date_part(\'epoch\', c."{end}" - c."created_at") * 1000000)::int8'
_US_PER_HOUR = 3600000000.0


def _us_quantiles(durations: "numpy.ndarray") -> dict[float, float | None]:
    """QUANTILES of durations in whole microseconds, in hours: exactly `stats.percentile` of the hours (and
    PostgreSQL's percentile_cont): the two neighbouring ranks, each divided once, then interpolated."""
    import numpy

    n = len(durations)
    if not n:
        return dict.fromkeys(QUANTILES)
    positions = [(n - 1) * share for share in QUANTILES]
    ranks = sorted({r for p in positions for r in (math.floor(p), min(math.floor(p) + 1, n - 1))})
    # Only the ranks asked for are put in place (a partial sort, linear), not the whole array.
    placed = numpy.partition(durations, ranks)
    quantiles = {}
    for share, position in zip(QUANTILES, positions, strict=True):
        lower = math.floor(position)
        upper = min(lower + 1, n - 1)
        low, high = int(placed[lower]) / _US_PER_HOUR, int(placed[upper]) / _US_PER_HOUR
        quantiles[share] = low + (high - low) * (position - lower)
    return quantiles


def _case_parts(cases: QuerySet, policies: dict[str, SlaPolicy], now: datetime.datetime) -> dict[object, tuple]:
    """Per group of `cases` (annotated with `group`): the six counts of `_CaseFigures` and the two clocks' durations
    in whole microseconds (numpy arrays, unsorted). One statement: a hash aggregate, the durations packed."""
    import numpy

    cases = cases.annotate(
        first_due=F("created_at") + sla_hours(policies, "first_answer_hours"),
        resolution_due=F("created_at") + sla_hours(policies, "resolution_hours"),
    )
    columns = ("group", "created_at", "thanked_at", "resolved_at", "first_due", "resolution_due")
    inner, params = cases.values(*columns).order_by().query.sql_with_params()
    durations = ", ".join(
        f"string_agg(int8send({_MICROSECONDS.format(end=column)}), ''::bytea) FILTER (WHERE c.\"{column}\" IS NOT NULL)"
        for column in ("thanked_at", "resolved_at")
    )
    sql = (
        'SELECT c."group", count(*),'
        ' count(*) FILTER (WHERE c."thanked_at" IS NOT NULL),'
        ' count(*) FILTER (WHERE c."thanked_at" <= c."first_due"),'
        ' count(*) FILTER (WHERE c."thanked_at" IS NOT NULL OR c."first_due" < %s),'
        ' count(*) FILTER (WHERE c."resolved_at" IS NOT NULL),'
        ' count(*) FILTER (WHERE c."resolved_at" <= c."resolution_due"),'
        f' {durations} FROM ({inner}) c GROUP BY c."group"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])
        rows = cursor.fetchall()
    return {
        _key(group): (
            list(values[:6]),
            *(numpy.frombuffer(b or b"", dtype=">i8").astype(numpy.int64) for b in values[6:]),
        )
        for group, *values in rows
    }


def _merge_parts(*parts: dict[object, tuple]) -> dict[object, tuple]:
    """Groups' parts from several reads of disjoint cases: counts added, durations joined."""
    import numpy

    merged: dict[object, tuple] = {}
    for part in parts:
        for key, (counts, first, resolution) in part.items():
            if key in merged:
                before = merged[key]
                counts = [x + y for x, y in zip(before[0], counts, strict=True)]
                first, resolution = numpy.concatenate([before[1], first]), numpy.concatenate([before[2], resolution])
            merged[key] = (counts, first, resolution)
    return merged


def _figures_of(parts: dict[object, tuple], *, with_total: bool) -> tuple[dict, "_CaseFigures | None"]:
    """`_CaseFigures` per group from their parts, and with `with_total` over them all (every case is in one group,
    so the total is the groups' counts added and their durations joined); no case at all gives no total."""
    import numpy

    groups = {
        key: _CaseFigures(*counts, first_answer_quantiles=_us_quantiles(f), resolution_quantiles=_us_quantiles(r))
        for key, (counts, f, r) in parts.items()
    }
    total = None
    if with_total and parts:
        sums = [sum(counts[i] for counts, _f, _r in parts.values()) for i in range(len(_COUNTED))]
        total = _CaseFigures(
            *sums,
            first_answer_quantiles=_us_quantiles(numpy.concatenate([f for _c, f, _r in parts.values()])),
            resolution_quantiles=_us_quantiles(numpy.concatenate([r for _c, _f, r in parts.values()])),
        )
    return groups, total


def _case_figures_in_database(
    cases: QuerySet, policies: dict[str, SlaPolicy], now: datetime.datetime, *, with_total: bool = False
) -> tuple[dict, "_CaseFigures | None"]:
    """`case_figures` computed with PostgreSQL's help: the counts by one hash aggregate over the period's cases,
    the medians and 90th percentiles from each group's durations in whole microseconds, which the same statement
    returns packed (one bytea per group and clock) and numpy selects from. No case row reaches Python and nothing
    is sorted in the database; the total's figures come from the groups' (every case is in one group), so the
    cases are read once per page (docs/decisions/0031, 0034)."""
    return _figures_of(_case_parts(cases, policies, now), with_total=with_total)


def _purchase_case_parts(
    scope: Scope, by: str, policies: dict[str, SlaPolicy], now: datetime.datetime
) -> dict[object, tuple]:
    """The parts of the scope's cases by seller or product, as the answers are read (`grouped_with_purchases`):
    the cases whose answer has no purchase by their touchpoint's employee (product: none) without reading the
    answers, and the others, found through the partial index of answers with a purchase, by their group.

    Grouping every case through `response__purchase__…` made PostgreSQL join every case to the organization's
    answers (seconds at 10 M answers) for the few that have a purchase.
    """
    sold = Exists(Response.objects.filter(pk=OuterRef("response_id"), purchase__isnull=False))
    plain_group = F("touchpoint__employee") if by == "employee" else Value(None, output_field=IntegerField())
    cases = scoped_cases(scope)
    plain = cases.exclude(sold).annotate(group=plain_group)
    tied = cases.filter(sold).annotate(group=group_expression(by, CASE_PATHS, scope.tz))
    return _merge_parts(_case_parts(plain, policies, now), _case_parts(tied, policies, now))


_COUNTED = ("count", "answered", "answered_in_time", "considered", "resolved", "resolved_in_time")


def _cases_by(
    scope: Scope, by: str | None, now: datetime.datetime, *, with_total: bool = False
) -> tuple[dict[object, _CaseFigures], "_CaseFigures | None"]:
    """Answer and resolution figures of the scope's cases per group, and with `with_total` over them all: on
    PostgreSQL from the case rollups where they are counted under the policies in force (by segment from those by
    segment, once counted), else with one statement over the cases; elsewhere from the case rows in Python
    (`case_figures`, the rows read once)."""
    cases = scoped_cases(scope).annotate(group=group_expression(by, CASE_PATHS, scope.tz))
    organization = scope.membership.organization
    policies = sla_policies(organization=organization)
    if connection.vendor == "postgresql" and case_rollups_ready(
        organization=organization, policies=policies, segments=by == "segment"
    ):
        # The counts and the clocks from the case rollups (ADR 0042); the case module reads this one.
        from otklik.dashboard.case_rollups import case_parts_from_rollups

        return _figures_of(case_parts_from_rollups(scope, by, policies, now), with_total=with_total)
    if connection.vendor == "postgresql" and by in PURCHASE_BREAKDOWNS:
        return _figures_of(_purchase_case_parts(scope, by, policies, now), with_total=with_total)
    if connection.vendor == "postgresql":
        return _case_figures_in_database(cases, policies, now, with_total=with_total)
    rows = list(cases.values("group", "severity", "created_at", "thanked_at", "resolved_at").order_by())
    total = case_figures(rows=[{**row, "group": 0} for row in rows], policies=policies, now=now) if with_total else {}
    return case_figures(rows=rows, policies=policies, now=now), total.get(0)


def _fill(row: MetricsRow, answers: dict | None, invitations: dict | None, cases, followups: dict | None) -> None:
    if answers:
        row.answers = int(answers["answers"] or 0)
        row.nps_counts = nps_counts(NPS.parts(answers, "nps_"))
        row.nps = NPS.interval(answers, "nps_")
        row.csat = CSAT.interval(answers, "csat_")
        row.ces = CES.interval(answers, "ces_")
        row.readiness = READINESS.interval(answers, "readiness_")
    if invitations:
        row.invitations, row.invitations_answered = invitations["invitations"], invitations["answered"]
        row.response_rate = stats.proportion_interval(successes=row.invitations_answered, count=row.invitations)
    if cases is not None:
        row.cases, row.cases_answered = cases.count, cases.answered
        row.answered_share = _percent(cases.answered, cases.count)
        row.answered_in_sla_share = _percent(cases.answered_in_time, cases.considered)
        row.first_answer_median_h = cases.first_answer(0.5)
        row.first_answer_p90_h = cases.first_answer(0.9)
        row.resolution_median_h = cases.resolution(0.5)
        row.resolution_p90_h = cases.resolution(0.9)
    if followups:
        row.recovery_answered, row.recovery_improved = followups["answered"], followups["improved"]
        row.recovery_improved_share = _percent(followups["improved"], followups["answered"])


_INVITATION_AGGREGATES = {"invitations": Count("id"), "answered": Count("id", filter=Q(answered_at__isnull=False))}


def _collect(
    scope: Scope, by: str | None, now: datetime.datetime, *, case_total: bool = False
) -> tuple[dict, dict, dict, dict, "_CaseFigures | None"]:
    """Each source's figures per group; with `case_total`, the cases' figures over all groups too (one scan)."""
    tz = scope.tz
    answers = answer_groups(scope, by, all_aggregates)
    invitations = _grouped(scoped_invitations(scope), by, _INVITATION_PATHS, tz, _INVITATION_AGGREGATES)
    followups = _grouped(scoped_followups(scope), by, _FOLLOWUP_PATHS, tz, _followup_aggregates())
    cases, cases_total = _cases_by(scope, by, now, with_total=case_total)
    return answers, invitations, cases, followups, cases_total


def metrics_table(*, scope: Scope, by: str, now: datetime.datetime | None = None) -> MetricsTable:
    """Every D5 metric per group of the breakdown `by`, plus the total, for the member's scope.

    Period rows (month, week) are oldest first and carry the NPS change against the previous row
    with its significance; other rows are sorted by label, the group "not known" last.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"No breakdown {by!r}")
    now = now or timezone.now()
    answers, invitations, cases, followups, cases_total = _collect(scope, by, now, case_total=True)
    keys = set(answers) | set(invitations) | set(cases) | set(followups)
    labels = _labels(scope=scope, by=by, keys=keys)
    rows = []
    for key in keys:
        row = MetricsRow(key=key, label=labels[key])
        _fill(row, answers.get(key), invitations.get(key), cases.get(key), followups.get(key))
        rows.append(row)
    if by in PERIOD_BREAKDOWNS:
        rows.sort(key=lambda row: (row.key is None, row.key or datetime.date.min))
        _mark_changes(rows)
    else:
        rows.sort(key=lambda row: (row.key is None or row.key == "", row.label.casefold(), str(row.key)))
    # Every answer, invitation and follow-up is in exactly one group and every figure of theirs is a count or a
    # sum, so the total's are the groups' added: no second read of the rollups or the invitations.
    sums = {"answers": _summed(answers), "invitations": _summed(invitations), "followups": _summed(followups)}
    return MetricsTable(by=by, rows=rows, total=_total(scope, now, cases_total, sums=sums))


def _summed(groups: dict[object, dict]) -> dict | None:
    """The groups' rows added column by column (a missing or NULL figure as 0); None when there is no group."""
    if not groups:
        return None
    total: dict = {}
    for row in groups.values():
        for name, value in row.items():
            if name != "group":
                total[name] = total.get(name, 0) + (value or 0)
    return total


def metrics_total(*, scope: Scope, now: datetime.datetime | None = None) -> MetricsRow:
    """Every D5 metric over the whole scope."""
    now = now or timezone.now()
    cases, _no_total = _cases_by(scope, None, now)
    return _total(scope, now, cases.get(0))


def _total(
    scope: Scope, now: datetime.datetime, cases: "_CaseFigures | None", *, sums: dict[str, dict | None] | None = None
) -> MetricsRow:
    """Every D5 metric over the whole scope, the case figures given: /metrics/ reads them beside its groups'
    and gives its groups' answer, invitation and follow-up figures added (`sums`); else they are read here."""
    if sums is None:
        sums = {
            "answers": answer_groups(scope, None, all_aggregates).get(0),
            "invitations": _grouped(
                scoped_invitations(scope), None, _INVITATION_PATHS, scope.tz, _INVITATION_AGGREGATES
            ).get(0),
            "followups": _grouped(scoped_followups(scope), None, _FOLLOWUP_PATHS, scope.tz, _followup_aggregates()).get(
                0
            ),
        }
    row = MetricsRow(key=None, label=_("Total"))
    _fill(row, sums["answers"], sums["invitations"], cases, sums["followups"])
    return row


def _mark_changes(rows: list[MetricsRow]) -> None:
    previous = None
    for row in rows:
        if row.nps is None:
            continue
        if previous is not None:
            row.nps_change = stats.nps_difference(a=previous.nps_counts, b=row.nps_counts)
        previous = row


def _labels(*, scope: Scope, by: str, keys: set) -> dict[object, str]:
    organization = scope.membership.organization
    ids = [key for key in keys if key is not None]
    names: dict[object, str] = {}
    if by == "touchpoint":
        touchpoints = Touchpoint.objects.filter(organization=organization, pk__in=ids).select_related("location")
        names = {tp.pk: f"{tp.location.name} · {tp.name}" for tp in touchpoints}
    elif by == "location":
        names = dict(Location.objects.filter(organization=organization, pk__in=ids).values_list("pk", "name"))
    elif by == "employee":
        names = {user.pk: user.get_full_name() or user.get_username() for user in User.objects.filter(pk__in=ids)}
    elif by == "product":
        names = dict(Product.objects.filter(organization=organization, pk__in=ids).values_list("pk", "name"))
    elif by == "segment":
        names = {key: key for key in ids if key}
    elif by == "month":
        names = {key: formats.date_format(key, "YEAR_MONTH_FORMAT") for key in ids}
    elif by == "week":
        names = {key: _("Week of %(date)s") % {"date": formats.date_format(key, "SHORT_DATE_FORMAT")} for key in ids}
    unknown = {
        "employee": _("No employee known"),
        "segment": _("No segment"),
        "product": _("No product"),
    }.get(by, _("Not known"))
    return {key: names.get(key) or unknown for key in keys}


@dataclass(frozen=True)
class NpsComparison:
    """NPS of two groups (periods or locations) and whether the difference is more than noise."""

    label_a: str
    label_b: str
    a: stats.Interval | None
    b: stats.Interval | None
    difference: stats.Difference | None


def scope_nps_counts(scope: Scope) -> tuple[int, int, int]:
    """(promoters, passives, detractors) among the scope's NPS answers (from the rollups where they hold them)."""
    row = answer_groups(scope, None, NPS.aggregates).get(0, {})
    return nps_counts(NPS.parts(row))


def nps_compare(*, a: Scope, b: Scope, label_a: str, label_b: str) -> NpsComparison:
    """NPS of scope `a` against scope `b` (b − a), with the z-test of the change."""
    counts_a, counts_b = scope_nps_counts(a), scope_nps_counts(b)
    return NpsComparison(
        label_a=label_a,
        label_b=label_b,
        a=stats.nps_interval(promoters=counts_a[0], passives=counts_a[1], detractors=counts_a[2]),
        b=stats.nps_interval(promoters=counts_b[0], passives=counts_b[1], detractors=counts_b[2]),
        difference=stats.nps_difference(a=counts_a, b=counts_b),
    )


def previous_period(*, date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the same length just before [date_from, date_to] (1–31 March → 29 January–28 February)."""
    length = date_to - date_from
    end = date_from - datetime.timedelta(days=1)
    return end - length, end
