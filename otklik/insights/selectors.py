"""Reads behind the loyalty-factor pages: each theme's weight on NPS, its trend and where it gathers."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from otklik.accounts.models import Organization
from otklik.insights.models import AnswerTheme, Theme
from otklik.insights.profanity import mask_profanity
from otklik.surveys.models import Response

# NPS classes (0–10), as on the dashboard: detractors 0–6, passives 7–8, promoters 9–10.
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


@dataclass(frozen=True)
class ThemeWeight:
    theme: Theme
    count: int  # answers of any kind tagged with the theme
    detractors: int
    passives: int
    promoters: int
    detractor_share: float  # % of all detractors who mention the theme
    passive_share: float
    promoter_share: float
    nps_gain: float  # NPS points gained if the theme's detractors became passives


@dataclass(frozen=True)
class ThemeMonth:
    month: datetime.date
    count: int
    share: float  # % of that month's answers with text that carry the theme


@dataclass(frozen=True)
class ThemePlace:
    location_id: int
    location: str
    touchpoint_id: int
    touchpoint: str
    count: int
    share: float  # % of the place's answers with text that carry the theme


def themes_for(*, organization: Organization) -> QuerySet[Theme]:
    """The organization's themes, by name."""
    return Theme.objects.filter(organization=organization)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def theme_weights(*, organization: Organization, qs: QuerySet[Response] | None = None) -> list[ThemeWeight]:
    """Each theme's count and share among detractors / passives / promoters, heaviest first.

    `qs` narrows the answers (a period, the locations a member may see); it is always
    intersected with the organization. NPS gain = detractors with the theme / all NPS
    answers × 100: turning them into passives removes them from the detractor share.
    """
    answers = Response.objects.filter(organization=organization)
    if qs is not None:
        answers = answers.filter(id__in=qs.values("id"))
    nps = answers.filter(kind="nps").aggregate(
        total=Count("id"),
        detractors=Count("id", filter=Q(score__lte=NPS_DETRACTOR_MAX)),
        promoters=Count("id", filter=Q(score__gte=NPS_PROMOTER_MIN)),
    )
    passives_total = nps["total"] - nps["detractors"] - nps["promoters"]
    is_nps = Q(answer_themes__response__kind="nps")
    in_answers = Q(answer_themes__response__in=answers)
    rows = (
        Theme.objects.filter(organization=organization)
        .annotate(
            tagged=Count("answer_themes", filter=in_answers),
            detractors=Count(
                "answer_themes", filter=in_answers & is_nps & Q(answer_themes__response__score__lte=NPS_DETRACTOR_MAX)
            ),
            promoters=Count(
                "answer_themes", filter=in_answers & is_nps & Q(answer_themes__response__score__gte=NPS_PROMOTER_MIN)
            ),
            nps_tagged=Count("answer_themes", filter=in_answers & is_nps),
        )
        .order_by("-detractors", "-tagged", "name")
    )
    weights = []
    for theme in rows:
        passives = theme.nps_tagged - theme.detractors - theme.promoters
        weights.append(
            ThemeWeight(
                theme=theme,
                count=theme.tagged,
                detractors=theme.detractors,
                passives=passives,
                promoters=theme.promoters,
                detractor_share=_percent(theme.detractors, nps["detractors"]),
                passive_share=_percent(passives, passives_total),
                promoter_share=_percent(theme.promoters, nps["promoters"]),
                nps_gain=_percent(theme.detractors, nps["total"]),
            )
        )
    return weights


def _with_text(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.filter(~Q(comment="") | ~Q(second_answer=""))


def theme_trend_by_month(
    *, theme: Theme, qs: QuerySet[Response] | None = None, tz: datetime.tzinfo = datetime.UTC
) -> list[ThemeMonth]:
    """Per month: answers with the theme, and their share of that month's answers with text."""
    answers = _with_text(Response.objects.filter(organization_id=theme.organization_id))
    if qs is not None:
        answers = answers.filter(id__in=qs.values("id"))
    totals = {
        row["month"]: row["n"]
        for row in answers.annotate(month=TruncMonth("created_at", tzinfo=tz)).values("month").annotate(n=Count("id"))
    }
    tagged = {
        row["month"]: row["n"]
        for row in answers.filter(answer_themes__theme=theme)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
    }
    return [
        ThemeMonth(month=_as_date(month), count=tagged.get(month, 0), share=_percent(tagged.get(month, 0), total))
        for month, total in sorted(totals.items())
    ]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def theme_concentration(*, theme: Theme, qs: QuerySet[Response] | None = None) -> list[ThemePlace]:
    """Where the theme gathers: per location and touchpoint, its count and share, highest share first."""
    answers = _with_text(Response.objects.filter(organization_id=theme.organization_id))
    if qs is not None:
        answers = answers.filter(id__in=qs.values("id"))
    rows = (
        answers.values("location_id", "location__name", "touchpoint_id", "touchpoint__name")
        .annotate(total=Count("id"), count=Count("id", filter=Q(answer_themes__theme=theme)))
        .filter(count__gt=0)
    )
    places = [
        ThemePlace(
            location_id=row["location_id"],
            location=row["location__name"],
            touchpoint_id=row["touchpoint_id"],
            touchpoint=row["touchpoint__name"],
            count=row["count"],
            share=_percent(row["count"], row["total"]),
        )
        for row in rows
    ]
    return sorted(places, key=lambda place: (-place.share, -place.count, place.location))


def answer_themes(*, response: Response) -> QuerySet[AnswerTheme]:
    """The themes of one answer, strongest first."""
    return AnswerTheme.objects.filter(response=response).select_related("theme").order_by("-weight")


def comment_for_display(*, response: Response, may_see_original: bool = False) -> str:
    """The answer's comment with profanity masked, unless the viewer may see the original."""
    if may_see_original:
        return response.comment
    return mask_profanity(response.comment, response.language)[0]
