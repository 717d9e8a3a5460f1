"""Reads behind the executive report: one month on one page, against the month before.

Headline figures come from the D5 metrics (`metrics.metrics_total`), so the report and /metrics/
never disagree; the NPS change carries its z-test, and touchpoints are ranked only where they
have enough answers for a score to mean something.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from otklik.accounts.models import Membership, Touchpoint
from otklik.dashboard.metrics import MetricsRow, Scope, answer_groups, metrics_total, scoped_responses
from otklik.rollups import stats
from otklik.rollups.metrics import NPS, nps_counts
from otklik.surveys.filters import responses_visible

MIN_ANSWERS_TO_RANK = 5  # a touchpoint with fewer NPS answers in a month is not called worst or best
TOUCHPOINTS_SHOWN = 3
THEMES_SHOWN = 5


@dataclass(frozen=True)
class TouchpointChange:
    touchpoint_id: int
    label: str
    nps: stats.Interval | None
    previous: stats.Interval | None
    difference: stats.Difference | None


@dataclass
class ExecutiveReport:
    month: datetime.date  # the first day of the reported month
    previous_month: datetime.date
    current: MetricsRow
    previous: MetricsRow
    nps_change: stats.Difference | None
    themes: list = field(default_factory=list)  # insights.selectors.ThemeWeight, complaints, heaviest first
    praise: list = field(default_factory=list)  # themes customers praise, most promoters first
    worst: list[TouchpointChange] = field(default_factory=list)
    most_improved: list[TouchpointChange] = field(default_factory=list)

    @property
    def next_month(self) -> datetime.date:
        return month_after(self.month)


def month_after(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_before(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_scope(*, membership: Membership, tz: datetime.tzinfo, month: datetime.date) -> Scope:
    """The whole calendar month, in the organization's time zone."""
    last_day = month_after(month) - datetime.timedelta(days=1)
    return Scope(membership=membership, tz=tz, date_from=month, date_to=last_day)


def default_month(*, membership: Membership, tz: datetime.tzinfo, today: datetime.date) -> datetime.date:
    """The month the report opens on: the last complete month when it has answers, else the newest one with any.

    On 1 December a manager wants November, not one day of December; a quiet organization still
    sees its latest answers rather than an empty page.
    """
    last_complete = month_before(today.replace(day=1))
    if scoped_responses(month_scope(membership=membership, tz=tz, month=last_complete)).exists():
        return last_complete
    newest = responses_visible(membership=membership).aggregate(newest=Max("created_at"))["newest"]
    if newest is None:
        return today.replace(day=1)
    return timezone.localtime(newest, tz).date().replace(day=1)


def _nps_by_touchpoint(scope: Scope) -> dict[int, tuple[int, int, int]]:
    groups = answer_groups(scope, "touchpoint", NPS.aggregates)
    return {key: nps_counts(NPS.parts(row)) for key, row in groups.items() if NPS.parts(row)["n"]}


def _interval(counts: tuple[int, int, int] | None) -> stats.Interval | None:
    if counts is None:
        return None
    return stats.nps_interval(promoters=counts[0], passives=counts[1], detractors=counts[2])


def touchpoint_changes(*, current: Scope, previous: Scope) -> list[TouchpointChange]:
    """NPS per touchpoint this month and the month before, with the test of the change."""
    now_counts, before_counts = _nps_by_touchpoint(current), _nps_by_touchpoint(previous)
    touchpoints = Touchpoint.objects.filter(
        organization=current.membership.organization, pk__in=set(now_counts) | set(before_counts)
    ).select_related("location")
    changes = []
    for touchpoint in touchpoints:
        now, before = now_counts.get(touchpoint.pk), before_counts.get(touchpoint.pk)
        changes.append(
            TouchpointChange(
                touchpoint_id=touchpoint.pk,
                label=f"{touchpoint.location.name} · {touchpoint.name}",
                nps=_interval(now),
                previous=_interval(before),
                difference=stats.nps_difference(a=before, b=now) if now and before else None,
            )
        )
    return changes


def worst_touchpoints(changes: list[TouchpointChange], *, limit: int = TOUCHPOINTS_SHOWN) -> list[TouchpointChange]:
    """The lowest NPS this month among touchpoints with enough answers."""
    ranked = [c for c in changes if c.nps is not None and c.nps.count >= MIN_ANSWERS_TO_RANK]
    return sorted(ranked, key=lambda c: (c.nps.value, c.label))[:limit]


def most_improved_touchpoints(
    changes: list[TouchpointChange], *, limit: int = TOUCHPOINTS_SHOWN
) -> list[TouchpointChange]:
    """The biggest NPS gains on the month before, among touchpoints with enough answers in both months."""
    ranked = [
        c
        for c in changes
        if c.difference is not None
        and c.difference.change > 0
        and min(c.nps.count, c.previous.count) >= MIN_ANSWERS_TO_RANK
    ]
    return sorted(ranked, key=lambda c: (-c.difference.change, c.label))[:limit]


def top_themes(*, scope: Scope, limit: int = THEMES_SHOWN) -> tuple[list, list]:
    """The month's loyalty factors: complaints that weigh most on NPS, and what customers praise, apart."""
    from otklik.insights.selectors import counted_for, split_praise, theme_weights

    counted = counted_for(
        membership=scope.membership, date_from=scope.date_from, date_to=scope.date_to, location=scope.location
    )
    weights = theme_weights(organization=scope.membership.organization, qs=scoped_responses(scope), counted=counted)
    complaints, praise = split_praise(weights)
    return complaints[:limit], praise[:limit]


def executive_report(
    *, membership: Membership, tz: datetime.tzinfo, month: datetime.date, now: datetime.datetime | None = None
) -> ExecutiveReport:
    """The one-page report of `month` for the member, set against the month before."""
    month = month.replace(day=1)
    current = month_scope(membership=membership, tz=tz, month=month)
    previous = month_scope(membership=membership, tz=tz, month=month_before(month))
    this_month, last_month = metrics_total(scope=current, now=now), metrics_total(scope=previous, now=now)
    changes = touchpoint_changes(current=current, previous=previous)
    themes, praise = top_themes(scope=current)
    return ExecutiveReport(
        month=month,
        previous_month=previous.date_from,
        current=this_month,
        previous=last_month,
        nps_change=stats.nps_difference(a=last_month.nps_counts, b=this_month.nps_counts),
        themes=themes,
        praise=praise,
        worst=worst_touchpoints(changes),
        most_improved=most_improved_touchpoints(changes),
    )
