"""Every loyalty metric defined once: its label, how it is aggregated, its value, export columns and chart.

A metric reads the answers of one survey kind and counts them by that kind's bands (surveys.kinds):
NPS its promoters and detractors, CSAT its satisfied answers, CES its mean effort, readiness its "yes".
Each metric aggregates either raw answers (`surveys.Response`) or their rollups (`ResponseRollup`) into the
same five numbers per group, so the overview, /metrics/, /people/, /report/, insights and the digests
compute a figure one way, and a page reads the rollups wherever they hold it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from otklik.rollups import stats
from otklik.rollups.models import SCORES, ResponseRollup
from otklik.surveys.kinds import KINDS, Band

# The five numbers every metric is computed from, per group; each metric fills those it needs.
PARTS = ("n", "good", "bad", "sum", "squares")


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score: % promoters minus % detractors, −100…100; None without answers."""

    score: float | None
    promoters: int
    passives: int
    detractors: int
    count: int


@dataclass(frozen=True)
class Csat:
    """Customer satisfaction: `score` is the % of satisfied (4–5) answers on the 1–5 scale, `mean` the average."""

    score: float | None
    satisfied: int
    mean: float | None
    count: int


@dataclass(frozen=True)
class Ces:
    """Customer effort: `score` is the mean effort on 1–7, lower is better."""

    score: float | None
    count: int


Headline = Nps | Csat | Ces


def band_count(band: Band, *, rollups: bool, kind_filter: Q | None = None):
    """How many answers scored within `band`: a Count over answers, a sum of score columns over rollups."""
    if rollups:
        if not set(band.scores) <= set(SCORES):
            raise ValueError(f"Rollups count scores {SCORES}, not {band.scores}")
        columns = [F(f"s{score}") for score in band.scores]
        total = columns[0]
        for column in columns[1:]:
            total = total + column
        return Sum(total, filter=kind_filter)
    condition = band.q() if kind_filter is None else kind_filter & band.q()
    return Count("id", filter=condition)


def _squares(*, rollups: bool, kind_filter: Q):
    if rollups:
        total = F("s1")
        for score in SCORES[2:]:
            total = total + score * score * F(f"s{score}")
        return Sum(total, filter=kind_filter)
    return Sum(F("score") * F("score"), filter=kind_filter)


def _number(row: dict, key: str) -> int:
    return int(row.get(key) or 0)


@dataclass(frozen=True)
class Metric:
    """One metric: which kind it reads, what it is called, how its charts and files show it."""

    code: str
    kind: str
    value: str  # "nps" (% good − % bad), "share" (% good) or "mean" (the mean score)
    chart_title: str | Promise  # the axis of the overview's charts
    chart_min: int
    chart_max: int
    # (header, attribute of the metric's interval, digits) for the exports of /metrics/.
    export_columns: tuple[tuple[str | Promise, str, int], ...]
    # Which band of the kind counts as "good" (promoters, satisfied, yes) and "bad" (detractors).
    good: Callable | None = None
    bad: Callable | None = None
    series_title: str | Promise = ""  # the chart of /metrics/ (the value with its interval); empty: none

    @property
    def spec(self):
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        return str(self.spec.label)

    def good_q(self, field: str = "score") -> Q:
        """The metric's answers counted as good (NPS promoters, CSAT satisfied, …), on `field` of a related path."""
        return Q(**{field.removesuffix("score") + "kind": self.kind}) & self.good(self.spec).q(field)

    def bad_q(self, field: str = "score") -> Q:
        """The metric's answers counted as bad (NPS detractors), on `field` of a related path."""
        return Q(**{field.removesuffix("score") + "kind": self.kind}) & self.bad(self.spec).q(field)

    def aggregates(self, *, rollups: bool, prefix: str = "") -> dict:
        """The aggregates of this metric's parts, named `{prefix}n`, `{prefix}good`, …, over answers or rollups.

        Every aggregate is filtered to the metric's kind, so several metrics share one query.
        """
        kind_filter = Q(kind=self.kind)
        out = {f"{prefix}n": Sum("count", filter=kind_filter) if rollups else Count("id", filter=kind_filter)}
        if self.good is not None:
            out[f"{prefix}good"] = band_count(self.good(self.spec), rollups=rollups, kind_filter=kind_filter)
        if self.bad is not None:
            out[f"{prefix}bad"] = band_count(self.bad(self.spec), rollups=rollups, kind_filter=kind_filter)
        # A share shows its mean beside it (CSAT), a mean is one.
        out[f"{prefix}sum"] = Sum("score_sum" if rollups else "score", filter=kind_filter)
        if self.value == "mean":
            out[f"{prefix}squares"] = _squares(rollups=rollups, kind_filter=kind_filter)
        return out

    def parts(self, row: dict, prefix: str = "") -> dict[str, int]:
        """The five numbers of a row aggregated with `aggregates` (missing ones are 0)."""
        return {part: _number(row, f"{prefix}{part}") for part in PARTS}

    def headline(self, row: dict, prefix: str = "") -> Headline:
        """The metric's value as the overview shows it: NPS with its classes, CSAT with its mean, CES."""
        p = self.parts(row, prefix)
        count = p["n"]
        if self.value == "nps":
            return Nps(
                score=round((p["good"] - p["bad"]) * 100 / count, 1) if count else None,
                promoters=p["good"],
                passives=count - p["good"] - p["bad"],
                detractors=p["bad"],
                count=count,
            )
        if self.value == "share":
            return Csat(
                score=round(p["good"] * 100 / count, 1) if count else None,
                satisfied=p["good"],
                mean=round(p["sum"] / count, 2) if count else None,
                count=count,
            )
        return Ces(score=round(p["sum"] / count, 2) if count else None, count=count)

    def interval(self, row: dict, prefix: str = "") -> stats.Interval | None:
        """The metric's value with its 95 % interval, as /metrics/, /people/ and the report show it."""
        p = self.parts(row, prefix)
        if self.value == "nps":
            promoters, passives, detractors = nps_counts(p)
            return stats.nps_interval(promoters=promoters, passives=passives, detractors=detractors)
        if self.value == "mean":
            return stats.mean_interval(total=p["sum"], total_of_squares=p["squares"], count=p["n"])
        return stats.proportion_interval(successes=p["good"], count=p["n"])


def nps_counts(parts: dict[str, int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) from the parts of an NPS row."""
    return parts["good"], parts["n"] - parts["good"] - parts["bad"], parts["bad"]


NPS = Metric(
    code="nps",
    kind="nps",
    value="nps",
    series_title=_("NPS with its interval (95%)"),
    chart_title=_("NPS, from −100 to 100"),
    chart_min=-100,
    chart_max=100,
    export_columns=(
        ("NPS", "value", 1),
        (_("NPS interval (95%), low"), "low", 1),
        (_("NPS interval (95%), high"), "high", 1),
        (_("NPS answers"), "count", 1),
    ),
    good=lambda kind: kind.promoters,
    bad=lambda kind: kind.detractors,
)
CSAT = Metric(
    code="csat",
    kind="csat",
    value="share",
    series_title=_("CSAT, satisfied (4–5), %"),
    # xgettext:no-python-format
    chart_title=_("CSAT, % of satisfied answers (4–5)"),
    chart_min=0,
    chart_max=100,
    export_columns=((_("CSAT, satisfied (4–5), %"), "value", 1), (_("CSAT answers"), "count", 1)),
    good=lambda kind: kind.satisfied,
)
CES = Metric(
    code="ces",
    kind="ces",
    value="mean",
    chart_title=_("CES, mean effort from 1 to 7 (lower is better)"),
    chart_min=1,
    chart_max=7,
    export_columns=((_("CES, mean effort"), "value", 2), (_("CES answers"), "count", 1)),
)
READINESS = Metric(
    code="readiness",
    kind="readiness",
    value="share",
    chart_title=_("Ready to complain, %"),
    chart_min=0,
    chart_max=100,
    export_columns=((_("Ready to complain, %"), "value", 1),),
    good=lambda kind: kind.praise,  # "yes, I would tell you"
)

METRICS: dict[str, Metric] = {metric.code: metric for metric in (NPS, CSAT, CES, READINESS)}
# The metrics of the overview, in its order.
HEADLINE_METRICS = ("nps", "csat", "ces")


def all_aggregates(*, rollups: bool) -> dict:
    """Every metric's parts (prefixed `nps_`, `csat_`, …) and the count of all answers, for one grouped query."""
    out = {"answers": Sum("count") if rollups else Count("id")}
    for metric in METRICS.values():
        out |= metric.aggregates(rollups=rollups, prefix=f"{metric.code}_")
    return out


def is_rollups(qs) -> bool:
    """Whether a queryset reads rollups (else raw answers)."""
    return qs.model is ResponseRollup
