"""Selectors for "Is this complaint representative?" (D4), shown beside an answer or a case.

For each theme of the complaint: how many other customers raised it at the same location
(and touchpoint) in the period before it, their average score, their segments, and a plain
verdict — a pattern when a real share of that location's answers says the same, an outlier
when it is one voice among many.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Avg, Q, QuerySet
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Organization, Touchpoint
from otklik.insights.models import AnswerAnalysis, AnswerTheme, Theme
from otklik.insights.selectors import themes_of_text
from otklik.surveys.models import Response

PERIOD_DAYS = 90
# Fewer answers with text than this at a location: any share is noise, so no verdict.
FEW_ANSWERS = 10
# A theme is a pattern at a location when this share of its answers carries it, from this many people.
PATTERN_SHARE = 5.0
PATTERN_MIN_PEOPLE = 3
SEGMENTS_SHOWN = 5


class Verdict:
    PATTERN = "pattern"
    OUTLIER = "outlier"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class ThemeEcho:
    """How far one theme of the complaint is echoed by other customers at its location."""

    theme: Theme
    others: int  # other customers who raised it at this location in the period
    touchpoint_others: int  # of them, at the same touchpoint
    people: int  # others + the author of this complaint
    total: int  # answers with text at this location in the period
    share: float  # % of those answers that carry the theme
    organization_share: float  # the same across the organization's locations
    average_score: float | None  # others' mean score on the complaint's scale
    segments: list[tuple[str, int]]  # the others' customer segments ("" = unknown), most common first
    verdict: str

    @property
    def verdict_text(self) -> str:
        values = {"share": _format_share(self.share), "people": self.people, "total": self.total}
        if self.verdict == Verdict.PATTERN:
            return _("A pattern: %(share)s %% of answers at this location mention it.") % values
        if self.verdict == Verdict.OUTLIER:
            return _("An outlier: %(people)s of %(total)s answers at this location.") % values
        return _("Too few answers at this location to tell (%(total)s in the period).") % values


def _format_share(share: float) -> str:
    return f"{share:.0f}" if share >= 10 or share == int(share) else f"{share:.1f}"


@dataclass(frozen=True)
class Representativeness:
    location: Location
    touchpoint: Touchpoint | None
    since: datetime.datetime
    until: datetime.datetime
    kind: str  # the scale of the average scores ("nps", "csat", "ces")
    echoes: list[ThemeEcho]
    awaiting_tags: bool  # the answer has text but the worker has not tagged it yet


def _with_text(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.filter(~Q(comment="") | ~Q(second_answer=""))


def _people(answers: QuerySet[Response]) -> int:
    """Distinct customers where known; an anonymous answer counts as one person."""
    known = answers.filter(customer__isnull=False).values("customer_id").distinct().count()
    return known + answers.filter(customer__isnull=True).count()


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _verdict(*, people: int, total: int, share: float) -> str:
    if total < FEW_ANSWERS:
        return Verdict.TOO_FEW
    if people >= PATTERN_MIN_PEOPLE and share >= PATTERN_SHARE:
        return Verdict.PATTERN
    return Verdict.OUTLIER


def _echo(
    *,
    theme: Theme,
    window: QuerySet[Response],
    location: Location,
    touchpoint: Touchpoint | None,
    kind: str,
    exclude: Q,
) -> ThemeEcho:
    at_location = window.filter(location=location)
    with_theme = window.filter(answer_themes__theme=theme)
    others = with_theme.filter(location=location).exclude(exclude)
    total = at_location.count()
    share = _percent(with_theme.filter(location=location).count(), total)
    people = _people(others) + 1
    known = others.filter(customer__isnull=False).values_list("customer_id", "customer__segment").distinct()
    segments = Counter(segment for _customer, segment in known)
    anonymous = others.filter(customer__isnull=True).count()
    if anonymous:
        segments[""] += anonymous
    return ThemeEcho(
        theme=theme,
        others=people - 1,
        touchpoint_others=_people(others.filter(touchpoint=touchpoint)) if touchpoint else 0,
        people=people,
        total=total,
        share=share,
        organization_share=_percent(with_theme.count(), window.count()),
        average_score=_round(others.filter(kind=kind).aggregate(mean=Avg("score"))["mean"]),
        segments=segments.most_common(SEGMENTS_SHOWN),
        verdict=_verdict(people=people, total=total, share=share),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _representativeness(
    *,
    organization: Organization,
    themes: list[Theme],
    location: Location,
    touchpoint: Touchpoint | None,
    at: datetime.datetime,
    kind: str,
    exclude: Q,
    awaiting_tags: bool,
) -> Representativeness:
    since = at - datetime.timedelta(days=PERIOD_DAYS)
    window = _with_text(Response.objects.filter(organization=organization, created_at__gte=since, created_at__lte=at))
    echoes = [
        _echo(theme=theme, window=window, location=location, touchpoint=touchpoint, kind=kind, exclude=exclude)
        for theme in themes
    ]
    order = {Verdict.PATTERN: 0, Verdict.OUTLIER: 1, Verdict.TOO_FEW: 2}
    echoes.sort(key=lambda echo: (order[echo.verdict], -echo.share))
    return Representativeness(
        location=location,
        touchpoint=touchpoint,
        since=since,
        until=at,
        kind=kind,
        echoes=echoes,
        awaiting_tags=awaiting_tags,
    )


def response_representativeness(*, response: Response) -> Representativeness:
    """How representative one answer is, theme by theme, at its location in the 90 days up to it."""
    themes = [
        row.theme
        for row in AnswerTheme.objects.filter(response=response).select_related("theme").order_by("-weight", "id")
    ]
    has_text = bool(response.comment or response.second_answer)
    # The worker writes an analysis even when no theme matches; without one it has not read the answer yet.
    awaiting = has_text and not themes and not AnswerAnalysis.objects.filter(response=response).exists()
    # The author's other answers are theirs too, not "other customers".
    exclude = Q(pk=response.pk) | (Q(customer_id=response.customer_id) if response.customer_id else Q(pk=response.pk))
    return _representativeness(
        organization=response.organization,
        themes=themes,
        location=response.location,
        touchpoint=response.touchpoint,
        at=response.created_at,
        kind=response.kind,
        exclude=exclude,
        awaiting_tags=awaiting,
    )


def case_representativeness(*, case) -> Representativeness:
    """The same for a case: its answer's themes, or, for a hotline or paper complaint, its text's.

    `case` is a `cases.Case`, read only by its fields: insights sit below cases and do not import them.
    """
    if case.response_id:
        return response_representativeness(response=case.response)
    exclude = Q(customer_id=case.customer_id) if case.customer_id else Q(pk__in=[])
    return _representativeness(
        organization=case.organization,
        themes=themes_of_text(organization=case.organization, text=case.content),
        location=case.location,
        touchpoint=case.touchpoint,
        at=case.created_at,
        kind="nps",
        exclude=exclude,
        awaiting_tags=False,
    )
