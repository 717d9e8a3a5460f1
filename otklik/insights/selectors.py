"""Reads behind the loyalty-factor pages: each theme's weight on NPS, its trend and where it gathers."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from otklik.accounts.models import Location, Membership, Organization
from otklik.insights.models import AnswerTheme, Department, Theme, ThemeJob
from otklik.insights.profanity import mask_profanity
from otklik.rollups.metrics import NPS
from otklik.rollups.models import SCORES, TagRollup
from otklik.rollups.selectors import rollups_for_period, rollups_ready
from otklik.surveys.filters import responses_visible
from otklik.surveys.models import Response

# NPS classes are the NPS kind's bands (rollups.metrics.NPS): detractors 0–6, passives 7–8, promoters 9–10.
PRAISE_SHARE = 0.5  # a theme is praise when at least half of its NPS answers are promoters'


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

    @property
    def is_praise(self) -> bool:
        """What customers praise, not a problem: most of the theme's NPS answers are promoters'.

        A theme like «thanks, making, awesome» gathers promoters; listing it among the
        problems (or as chronic) would send people to fix what customers like.
        """
        nps = self.detractors + self.passives + self.promoters
        return nps > 0 and self.promoters > self.detractors and self.promoters >= PRAISE_SHARE * nps


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


@dataclass(frozen=True)
class AnswerSums:
    """The sums of a period's answer rollups the theme selectors need besides the tags, when the page has them.

    nps: the NPS parts (`NPS.parts`) of the period; with_text: per (location id, touchpoint id) of the rollup rows,
    (location name, touchpoint name, answers with text). `/` adds them up from its one read of the answer rollups
    (`dashboard.selectors.overview_from_rollups`), so its loyalty card does not read the same rows twice more.
    """

    nps: dict[str, int]
    with_text: dict[tuple[int, int], tuple[str, str, int]]


@dataclass(frozen=True)
class Counted:
    """The rollups of the answers a page looks at (a member's period and place) and of their theme tags.

    Where a selector below is given one, it reads these instead of the answers: the same numbers from
    rows per day or month (rollups.TagRollup counts each theme's tags by kind and score).
    """

    answers: QuerySet  # rollups.ResponseRollup
    tags: QuerySet[TagRollup]
    # The sums of `answers` the selectors need, when the page has read them already (else read from `answers`).
    sums: AnswerSums | None = None
    # False where no monthly trend is drawn (the overview's card): the tag rollups are then grouped by place only,
    # one grouping instead of two in the page's heaviest statement, and `themes_trend` refuses this `Counted`.
    months: bool = True

    @cached_property
    def with_text(self) -> dict[tuple[int, int], tuple[str, str, int]]:
        """The answers with text per (location id, touchpoint id): (location name, touchpoint name, how many); from
        `sums` when the page has them, else read once per `Counted` (the themes' top places and the "Other" line
        both take their shares of it)."""
        if self.sums is not None:
            return self.sums.with_text
        rows = self.answers.values("location_id", "location__name", "touchpoint_id", "touchpoint__name").annotate(
            total=Sum("with_text")
        )
        return {
            (row["location_id"], row["touchpoint_id"]): (row["location__name"], row["touchpoint__name"], row["total"])
            for row in rows.order_by()
        }

    @cached_property
    def tag_groups(self) -> "TagGroups":
        """The tag rollups' sums per theme, per theme and place, per theme and month (unless `months` is False):
        read once per `Counted` by the selectors that need them (`_theme_rows`, `themes_top_places`, `themes_trend`).
        """
        return _tag_groups(self.tags, months=self.months)


@dataclass(frozen=True)
class TagGroups:
    """The sums of a period's tag rollups, grouped three ways (each dict keyed by the group's ids).

    by_theme: theme → (tagged, detractors, promoters, nps_tagged); by_place: (theme, location, touchpoint) →
    answers with text carrying it; by_month: (theme, month) → answers with text carrying it (None: not grouped).
    """

    by_theme: dict[int, tuple[int, int, int, int]]
    by_place: dict[tuple[int, int, int], int]
    by_month: dict[tuple[int, datetime.date], int] | None
    # The answers with text no theme holds, by reason (the reserved theme ids ≤ 0 of rollups.models): read with
    # the themes' rows and kept out of the three groupings above.
    other: dict[int, int] = field(default_factory=dict)


def _band_sql(band) -> str:
    return " + ".join(f'"s{score}"' for score in band.scores)


def _tag_groups(tags: QuerySet[TagRollup], *, months: bool = True) -> TagGroups:
    """One read of the tag rollups for all three groupings (docs/decisions/0037, 0039).

    PostgreSQL groups them in one pass (`GROUPING SETS` by place and by month, a few thousand rows back from some
    65 000 month rows, read index-only from `tag_rollup_months_covering`); the per-theme sums are the places'
    added up here. Elsewhere the rows are grouped by theme, place and month once and added up here. All are sums
    of the same integers, so the figures are those of the three grouped reads they replace. `months` False: the
    rows are grouped by place only (one grouping, on both databases) and `by_month` is None.
    """
    nps = NPS.kind
    bad, good = _band_sql(NPS.bad(NPS.spec)), _band_sql(NPS.good(NPS.spec))
    columns = ["theme_id", "location_id", "touchpoint_id", "month_start", "kind", "count", "with_text"]
    columns += [f"s{score}" for score in SCORES]
    inner, params = tags.order_by().values(*columns).query.sql_with_params()
    # Each row's figures once (tagged, NPS detractors, NPS promoters, NPS tagged, with text), then summed.
    figures = (
        f'SELECT theme_id, location_id, touchpoint_id, month_start, "count" AS tagged, '
        f"CASE WHEN kind = %s THEN {bad} ELSE 0 END AS bad, CASE WHEN kind = %s THEN {good} ELSE 0 END AS good, "
        f'CASE WHEN kind = %s THEN "count" ELSE 0 END AS nps, with_text FROM ({inner}) r'
    )
    sums = "SUM(tagged), SUM(bad), SUM(good), SUM(nps), SUM(with_text)"
    by_theme: dict[int, list[int]] = {}
    by_place: dict[tuple[int, int, int], int] = {}
    by_month: dict[tuple[int, datetime.date], int] = {}

    other: dict[int, int] = {}

    def add(theme: int, values: tuple) -> None:
        totals = by_theme.setdefault(theme, [0, 0, 0, 0])
        for i, value in enumerate(values):
            totals[i] += int(value)

    with connections[tags.db].cursor() as cursor:
        if not months:
            cursor.execute(
                f"SELECT theme_id, location_id, touchpoint_id, {sums} FROM ({figures}) t "
                "GROUP BY theme_id, location_id, touchpoint_id",
                (nps, nps, nps, *params),
            )
            for theme, location, touchpoint, tagged, bad_n, good_n, nps_n, text in cursor.fetchall():
                if theme <= 0:
                    other[theme] = other.get(theme, 0) + int(text)
                    continue
                by_place[(theme, location, touchpoint)] = int(text)
                add(theme, (tagged, bad_n, good_n, nps_n))
        elif connections[tags.db].vendor == "postgresql":
            cursor.execute(
                f"SELECT theme_id, location_id, touchpoint_id, month_start, GROUPING(month_start), {sums} "
                f"FROM ({figures}) t "
                "GROUP BY GROUPING SETS ((theme_id, location_id, touchpoint_id), (theme_id, month_start))",
                (nps, nps, nps, *params),
            )
            for theme, location, touchpoint, month, place_row, tagged, bad_n, good_n, nps_n, text in cursor.fetchall():
                if theme <= 0:
                    if place_row:  # each answer once: in its place's row (its month's row holds it again)
                        other[theme] = other.get(theme, 0) + int(text)
                elif place_row:  # the month rolled up: the place's row, whose sums add up to the theme's
                    by_place[(theme, location, touchpoint)] = int(text)
                    add(theme, (tagged, bad_n, good_n, nps_n))
                else:
                    by_month[(theme, _as_date(month))] = int(text)
        else:
            cursor.execute(
                f"SELECT theme_id, location_id, touchpoint_id, month_start, {sums} FROM ({figures}) t "
                "GROUP BY theme_id, location_id, touchpoint_id, month_start",
                (nps, nps, nps, *params),
            )
            for theme, location, touchpoint, month, tagged, bad_n, good_n, nps_n, text in cursor.fetchall():
                if theme <= 0:
                    other[theme] = other.get(theme, 0) + int(text)
                    continue
                add(theme, (tagged, bad_n, good_n, nps_n))
                place = (theme, location, touchpoint)
                by_place[place] = by_place.get(place, 0) + int(text)
                # SQLite's cursor gives the date as written ("2025-12-01"); Django's reads would convert it.
                key = (theme, datetime.date.fromisoformat(month) if isinstance(month, str) else _as_date(month))
                by_month[key] = by_month.get(key, 0) + int(text)
    return TagGroups(
        by_theme={theme: tuple(values) for theme, values in by_theme.items()},
        by_place=by_place,
        by_month=by_month if months else None,
        other=other,
    )


def counted_for(
    *,
    membership: Membership,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    location: Location | None = None,
    months: bool = True,
    sums: AnswerSums | None = None,
) -> Counted | None:
    """The member's rollups for the period (whole days in the organization's time zone), or None while the
    rollups are not reconciled in that time zone (then the selectors read the answers). `months` False: for a
    page that draws no monthly theme trend (see `Counted.months`). `sums`: those of the same period's answer
    rollups, when the page has added them up (`AnswerSums`)."""
    if not rollups_ready(organization=membership.organization):
        return None
    period = {"membership": membership, "date_from": date_from, "date_to": date_to, "location": location}
    return Counted(
        answers=rollups_for_period(**period),
        tags=rollups_for_period(**period, model=TagRollup),
        months=months,
        sums=sums,
    )


def _theme_rows(organization: Organization, answers: QuerySet | None, counted: Counted | None) -> list[Theme]:
    """The organization's themes with `tagged`, `detractors`, `promoters`, `nps_tagged`, heaviest first."""
    themes = Theme.objects.filter(organization=organization)
    if counted is None:
        in_answers = Q(answer_themes__response__in=answers)
        themes = themes.annotate(
            tagged=Count("answer_themes", filter=in_answers),
            detractors=Count("answer_themes", filter=in_answers & NPS.bad_q("answer_themes__response__score")),
            promoters=Count("answer_themes", filter=in_answers & NPS.good_q("answer_themes__response__score")),
            nps_tagged=Count("answer_themes", filter=in_answers & Q(answer_themes__response__kind=NPS.kind)),
        )
        return list(themes.order_by("-detractors", "-tagged", "name"))
    # One grouped read of the period's tag rollups; themes come by name from the database and a stable sort
    # keeps that order among equals, so ties fall as they do above (the database's collation, not Python's).
    figures = counted.tag_groups.by_theme
    rows = list(themes.order_by("name"))
    for theme in rows:
        row = figures.get(theme.pk, (0, 0, 0, 0))
        for name, value in zip(("tagged", "detractors", "promoters", "nps_tagged"), row, strict=True):
            setattr(theme, name, value)
    return sorted(rows, key=lambda theme: (-theme.detractors, -theme.tagged))


def theme_weights(
    *, organization: Organization, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> list[ThemeWeight]:
    """Each theme's count and share among detractors / passives / promoters, heaviest first.

    `qs` narrows the answers (a period, the locations a member may see); it is always
    intersected with the organization. `counted` (the rollups of the same answers) is read instead
    when given. NPS gain = detractors with the theme / all NPS answers × 100: turning them into
    passives removes them from the detractor share.
    """
    answers = Response.objects.filter(organization=organization)
    if qs is not None:
        answers = answers.filter(id__in=qs.values("id"))
    rows = _theme_rows(organization, answers, counted)
    if not rows:  # no themes: the totals below would scan every answer for nothing
        return []
    if counted is not None and counted.sums is not None:
        parts = counted.sums.nps
    elif counted is not None:
        parts = NPS.parts(counted.answers.aggregate(**NPS.aggregates(rollups=True)))
    else:
        parts = NPS.parts(answers.aggregate(**NPS.aggregates(rollups=False)))
    nps = {"total": parts["n"], "detractors": parts["bad"], "promoters": parts["good"]}
    passives_total = nps["total"] - nps["detractors"] - nps["promoters"]
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


def praise_theme_ids(
    *, organization: Organization, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> set[int]:
    """The themes customers praise (`ThemeWeight.is_praise`) among these answers."""
    weights = theme_weights(organization=organization, qs=qs, counted=counted)
    return {weight.theme.pk for weight in weights if weight.is_praise}


def split_praise(weights: list) -> tuple[list, list]:
    """Complaints (heaviest on NPS first) and praise (most promoters first), of weights or summaries."""

    def weight(item):
        return getattr(item, "weight", item)

    complaints = [item for item in weights if weight(item).count and not weight(item).is_praise]
    praise = [item for item in weights if weight(item).count and weight(item).is_praise]
    complaints.sort(key=lambda item: (-weight(item).nps_gain, -weight(item).count, weight(item).theme.name))
    praise.sort(key=lambda item: (-weight(item).promoters, -weight(item).count, weight(item).theme.name))
    return complaints, praise


def _with_text(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.filter(~Q(comment="") | ~Q(second_answer=""))


def theme_trend_by_month(
    *,
    theme: Theme,
    qs: QuerySet[Response] | None = None,
    tz: datetime.tzinfo = datetime.UTC,
    counted: Counted | None = None,
) -> list[ThemeMonth]:
    """Per month: answers with the theme, and their share of that month's answers with text.

    From `counted` (the rollups of the same answers) when given: its tag groups by month, which /insights/ reads
    too, and the answer rollups' answers with text per month (its months are the organization's, so `tz` must be
    the organization's time zone then).
    """
    if counted is not None:
        if not counted.months:
            raise ValueError("theme_trend_by_month needs a Counted grouped by month (counted_for(months=True))")
        by_month = counted.tag_groups.by_month
        month_totals = counted.answers.values(month=F("month_start")).annotate(n=Sum("with_text")).filter(n__gt=0)
        totals = {_as_date(row["month"]): row["n"] for row in month_totals.order_by()}
        tagged = {month: by_month.get((theme.pk, month), 0) for month in totals}
    else:
        answers = _with_text(Response.objects.filter(organization_id=theme.organization_id))
        if qs is not None:
            answers = answers.filter(id__in=qs.values("id"))
        by_month = answers.annotate(month=TruncMonth("created_at", tzinfo=tz)).values("month")
        totals = {_as_date(row["month"]): row["n"] for row in by_month.annotate(n=Count("id"))}
        tagged = {
            _as_date(row["month"]): row["n"]
            for row in by_month.filter(answer_themes__theme=theme).annotate(n=Count("id"))
        }
    return [
        ThemeMonth(month=month, count=tagged.get(month, 0), share=_percent(tagged.get(month, 0), total))
        for month, total in sorted(totals.items())
    ]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def theme_concentration(
    *, theme: Theme, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> list[ThemePlace]:
    """Where the theme gathers: per location and touchpoint, its count and share, highest share first.

    Shares are of the place's answers with text; `counted` (the rollups of the same answers) is read instead
    when given: the tag groups by place and the answers with text per place that /insights/ reads too.
    """
    if counted is not None:
        rows = [
            {
                "location_id": location_id,
                "location__name": location_name,
                "touchpoint_id": touchpoint_id,
                "touchpoint__name": touchpoint_name,
                "total": total,
                "count": counted.tag_groups.by_place.get((theme.pk, location_id, touchpoint_id), 0),
            }
            for (location_id, touchpoint_id), (location_name, touchpoint_name, total) in counted.with_text.items()
        ]
        rows = [row for row in rows if row["count"] > 0]
    else:
        answers = _with_text(Response.objects.filter(organization_id=theme.organization_id))
        if qs is not None:
            answers = answers.filter(id__in=qs.values("id"))
        # Distinct: the join to the tags repeats an answer once per theme it carries, which must not count it
        # twice among the place's answers with text.
        rows = (
            answers.values("location_id", "location__name", "touchpoint_id", "touchpoint__name")
            .annotate(total=Count("id", distinct=True), count=Count("id", filter=Q(answer_themes__theme=theme)))
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
    return mask_profanity(response.comment, response.language, organization=response.organization_id)[0]


def may_see_original(*, membership: Membership) -> bool:
    """Whether this member may read answers as written, insults included (D2).

    Owners and managers may; anyone else only with the `insights.view_original_text` permission.
    """
    return membership.can_manage or membership.user.has_perm("insights.view_original_text")


def masked_text(text: str, organization=None) -> str:
    """The text with insults and profanity masked, the rest (the point of the complaint) as written.

    With the `organization` (or its id) the organization's own words are masked too.
    """
    return mask_profanity(text or "", organization=organization)[0]


def text_for(*, membership: Membership | None, text: str) -> str:
    """Customer text as this member may read it: as written for those allowed originals, else masked.

    Every place that shows customer text outside a page (the API, e-mails, exports,
    PDFs) goes through here, so masked means masked everywhere (D2). Nobody
    (`membership=None`, e.g. an e-mail to a customer or a public page) gets the masked text.
    """
    if membership is not None and may_see_original(membership=membership):
        return text or ""
    organization = membership.organization_id if membership is not None else None
    return masked_text(text, organization)


def themes_of_text(*, organization: Organization, text: str) -> list[Theme]:
    """Themes the organization's tagger finds in a text that is not a stored answer (a hotline case)."""
    from otklik.insights.services import tagger_for

    if not text.strip():
        return []
    tagger, themes = tagger_for(organization=organization)
    return [themes[index] for index, _score in tagger.tag(text)]


def theme_examples_query(*, theme: Theme, qs: QuerySet[Response] | None = None) -> QuerySet[Response]:
    """The answers with text carrying the theme, newest first, unsliced (`theme_examples` bounds it)."""
    answers = _with_text(Response.objects.filter(organization_id=theme.organization_id))
    if qs is not None:
        # The member's answers filtered in place, not `id IN (…)`: a semi-join to the period's answers would read
        # them all before the first example.
        answers = _with_text(qs.filter(organization_id=theme.organization_id))
    tagged = AnswerTheme.objects.filter(response=OuterRef("pk"), theme=theme)
    return answers.filter(Exists(tagged)).select_related("location", "touchpoint").order_by("-created_at", "-id")


# Up to this many locations, a member who sees only some gets the examples by one bounded walk per location.
EXAMPLE_WALKS_MAX = 10


def theme_examples(
    *,
    theme: Theme,
    qs: QuerySet[Response] | None = None,
    limit: int = 10,
    location_ids: Sequence[int] | None = None,
) -> list[Response]:
    """The newest answers with text carrying the theme (`qs` narrows them, always within the organization).

    A bounded read: PostgreSQL walks the period's answers with text newest first and stops at the `limit`-th that
    carries the theme (or, for a rare theme, reads its few tags), where ordering by score read and sorted every
    answer of the theme in the period (docs/decisions/0071). `location_ids` (the few locations `qs` is limited
    to, e.g. an employee's stores) walks each location's answers on its own, newest first, and keeps the newest
    `limit` of all: over several locations PostgreSQL cannot walk one index in that order, and read and sorted
    every answer with text of the stores before the first example (docs/decisions/0073).
    """
    newest = theme_examples_query(theme=theme, qs=qs)
    if location_ids is None or len(location_ids) > EXAMPLE_WALKS_MAX:
        return list(newest[:limit])
    walked = [answer for location_id in location_ids for answer in newest.filter(location_id=location_id)[:limit]]
    walked.sort(key=lambda answer: (answer.created_at, answer.pk), reverse=True)
    return walked[:limit]


@dataclass(frozen=True)
class ThemeSummary:
    """A theme's line on the loyalty-factors page: its weight, and the place where it gathers most."""

    weight: ThemeWeight
    top_place: ThemePlace | None


# A place needs this many tagged answers before its share is called a concentration.
PLACE_MIN_TAGGED = 3


def themes_top_places(
    *, organization: Organization, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> dict[int, ThemePlace]:
    """For each theme, the location · touchpoint where the largest share of answers carries it (two queries).

    Shares are of the answers with text; `counted` (the rollups of the same answers) is read instead when given.
    """
    if counted is not None:
        tagged = [
            {"theme_id": theme, "location_id": location, "touchpoint_id": touchpoint, "count": count}
            for (theme, location, touchpoint), count in sorted(counted.tag_groups.by_place.items())
            if count > 0
        ]
        if not tagged:
            return {}
        places_qs = [
            {
                "location_id": location_id,
                "location__name": location_name,
                "touchpoint_id": touchpoint_id,
                "touchpoint__name": touchpoint_name,
                "total": total,
            }
            for (location_id, touchpoint_id), (location_name, touchpoint_name, total) in counted.with_text.items()
        ]
    else:
        answers = _with_text(Response.objects.filter(organization=organization))
        if qs is not None:
            answers = answers.filter(id__in=qs.values("id"))
        tagged = list(
            AnswerTheme.objects.filter(response__in=answers)
            .values("theme_id", location_id=F("response__location_id"), touchpoint_id=F("response__touchpoint_id"))
            .annotate(count=Count("id"))
            .order_by("theme_id", "location_id", "touchpoint_id")
        )
        if not tagged:  # nothing carries a theme: no place to rank, no need to count every answer with text
            return {}
        places_qs = answers.values("location_id", "location__name", "touchpoint_id", "touchpoint__name").annotate(
            total=Count("id")
        )
    places = {(row["location_id"], row["touchpoint_id"]): row for row in places_qs}
    # Each theme's best place by its rank alone; the winners only are built (`/` ranks ~1 800 theme × place pairs).
    best: dict[int, tuple[tuple, dict, int]] = {}
    for row in tagged:
        place = places.get((row["location_id"], row["touchpoint_id"]))
        if place is None:
            continue
        count = row["count"]
        rank = _place_rank(count, _percent(count, place["total"]))
        current = best.get(row["theme_id"])
        if current is None or rank > current[0]:
            best[row["theme_id"]] = (rank, place, count)
    return {
        theme: ThemePlace(
            location_id=place["location_id"],
            location=place["location__name"],
            touchpoint_id=place["touchpoint_id"],
            touchpoint=place["touchpoint__name"],
            count=count,
            share=rank[1],
        )
        for theme, (rank, place, count) in best.items()
    }


def _place_rank(count: int, share: float) -> tuple:
    # A share built on one or two answers says little: such places rank after the others.
    return (count >= PLACE_MIN_TAGGED, share, count)


def theme_summaries(
    *, organization: Organization, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> list[ThemeSummary]:
    """Every theme with its weight and top place, heaviest (most detractors) first (from `counted` when given)."""
    places = themes_top_places(organization=organization, qs=qs, counted=counted)
    return [
        ThemeSummary(weight=weight, top_place=places.get(weight.theme.id))
        for weight in theme_weights(organization=organization, qs=qs, counted=counted)
    ]


@dataclass(frozen=True)
class ThemesTrend:
    months: list[datetime.date]
    shares: dict[int, list[float]]  # theme id → % of each month's answers with text that carry it
    counts: dict[int, list[int]]


def themes_trend(
    *,
    organization: Organization,
    qs: QuerySet[Response] | None = None,
    tz: datetime.tzinfo = datetime.UTC,
    counted: Counted | None = None,
) -> ThemesTrend:
    """All themes' monthly trend in two queries (the loyalty-factors chart); from `counted` when given
    (its months are the organization's, so `tz` must be the organization's time zone then)."""
    if counted is not None:
        if not counted.months:
            raise ValueError("themes_trend needs a Counted grouped by month (counted_for(months=True))")
        rows = [
            {"theme_id": theme, "month": month, "n": n}
            for (theme, month), n in counted.tag_groups.by_month.items()
            if n > 0
        ]
        if not rows:
            return ThemesTrend(months=[], shares={}, counts={})
        month_totals = counted.answers.values(month=F("month_start")).annotate(n=Sum("with_text")).filter(n__gt=0)
    else:
        answers = _with_text(Response.objects.filter(organization=organization))
        if qs is not None:
            answers = answers.filter(id__in=qs.values("id"))
        rows = list(
            AnswerTheme.objects.filter(response__in=answers)
            .annotate(month=TruncMonth("response__created_at", tzinfo=tz))
            .values("theme_id", "month")
            .annotate(n=Count("id"))
        )
        if not rows:  # nothing carries a theme: no trend to draw, no need to count every answer with text
            return ThemesTrend(months=[], shares={}, counts={})
        month_totals = (
            answers.annotate(month=TruncMonth("created_at", tzinfo=tz)).values("month").annotate(n=Count("id"))
        )
    totals = {_as_date(row["month"]): row["n"] for row in month_totals.order_by()}
    months = sorted(totals)
    position = {month: i for i, month in enumerate(months)}
    counts: dict[int, list[int]] = {}
    for row in rows:
        counts.setdefault(row["theme_id"], [0] * len(months))[position[_as_date(row["month"])]] = row["n"]
    shares = {
        theme_id: [_percent(n, totals[month]) for n, month in zip(values, months, strict=True)]
        for theme_id, values in counts.items()
    }
    return ThemesTrend(months=months, shares=shares, counts=counts)


def theme_get(*, organization: Organization, theme_id: int) -> Theme | None:
    """One of the organization's themes, or None (another organization's theme is not found either)."""
    return Theme.objects.filter(organization=organization, pk=theme_id).select_related("department").first()


def departments_for(*, organization: Organization) -> QuerySet[Department]:
    """The organization's departments with their members and themes."""
    return Department.objects.filter(organization=organization).prefetch_related("members", "themes")


def department_get(*, organization: Organization, department_id: int) -> Department | None:
    return Department.objects.filter(organization=organization, pk=department_id).first()


def theme_jobs_recent(*, organization: Organization, limit: int = 3) -> list[ThemeJob]:
    """The latest discovery and re-tagging runs, newest first, for the page's status line."""
    return list(ThemeJob.objects.filter(organization=organization).select_related("requested_by")[:limit])


def response_get(*, membership: Membership, response_id: int) -> Response | None:
    """One answer the member may see (an employee: only at their locations), with its places and customer."""
    return (
        responses_visible(membership=membership)
        .select_related("survey", "location", "touchpoint", "customer", "analysis", "case")
        .filter(pk=response_id)
        .first()
    )
