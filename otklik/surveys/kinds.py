"""The survey templates (A1–A4): their scales, what each band of a scale means, and question texts.

A kind is the one place that says what a score means: who is a promoter, a detractor, satisfied, what is
praise, whether the scale says anything about loyalty, and how a score is coloured. Metrics, rules, the
thank-you page and the dashboard read these bands instead of writing thresholds of their own.
Texts are marked for translation, so a survey speaks the customer's language.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The scores the answer rollups can count: they keep one column per score (rollups.models.SCORES is
# this range). A kind whose scale reaches outside it is refused, or its metrics could not be read from rollups.
COUNTED_SCORES = range(0, 11)


class ScaleError(ValueError):
    """A survey kind whose scale or bands cannot be counted or make no sense."""


@dataclass(frozen=True)
class Band:
    """Scores `low`…`high` of one scale, both ends included (NPS promoters: Band(9, 10))."""

    low: int
    high: int

    def __contains__(self, score: object) -> bool:
        return isinstance(score, int) and self.low <= score <= self.high

    @property
    def scores(self) -> range:
        """The band's scores, e.g. to sum their rollup columns."""
        return range(self.low, self.high + 1)

    def q(self, field: str = "score") -> Q:
        """The band as a filter on an answer's score field (or a related path to one)."""
        return Q(**{f"{field}__gte": self.low, f"{field}__lte": self.high})


class CaseComparison(models.TextChoices):
    """Which side of a threshold opens a case: the survey's scale says it, and the case rule keeps it.

    Defined here, beside the scales, so the survey editor's form offers it without reaching up into cases.
    """

    AT_MOST = "lte", _("score at most")
    AT_LEAST = "gte", _("score at least")


@dataclass(frozen=True)
class SurveyKind:
    code: str
    label: str
    question: str
    follow_up: str
    second_question: str  # an extra open question, empty if none
    min_score: int
    max_score: int
    low_label: str
    high_label: str
    # The default rule that turns an answer into a complaint case.
    case_when: str  # "lte" or "gte"
    case_threshold: int
    # At the top of the scale: praise for the rules' "praise" band, /people/ and the report.
    praise: Band
    # Who is invited to review the location in public on the thank-you page; None: nobody.
    promoters: Band | None = None
    # The CSAT share counts these as satisfied; None: the kind has no "satisfied" figure.
    satisfied: Band | None = None
    # Whether the scale says anything about loyalty (a yes/no "would you tell us" does not).
    loyalty: bool = True
    # The colours of a score in lists: good, middling; every other score is bad. None: not coloured.
    badge_ok: Band | None = None
    badge_warn: Band | None = None

    def __post_init__(self) -> None:
        if not self.min_score < self.max_score:
            raise ScaleError(f"{self.code}: the scale {self.min_score}–{self.max_score} is empty")
        if self.min_score not in COUNTED_SCORES or self.max_score not in COUNTED_SCORES:
            raise ScaleError(
                f"{self.code}: the scale {self.min_score}–{self.max_score} does not fit the rollups, which count "
                f"scores {COUNTED_SCORES.start}–{COUNTED_SCORES.stop - 1} (one column each, rollups.models)"
            )
        if self.case_when not in ("lte", "gte"):
            raise ScaleError(f"{self.code}: case_when must be 'lte' or 'gte', not {self.case_when!r}")
        for name in ("praise", "promoters", "satisfied", "badge_ok", "badge_warn"):
            band = getattr(self, name)
            if band is not None and not (self.min_score <= band.low <= band.high <= self.max_score):
                raise ScaleError(f"{self.code}: {name} {band.low}–{band.high} lies outside the scale")

    @property
    def scale(self) -> Band:
        return Band(self.min_score, self.max_score)

    @property
    def detractors(self) -> Band:
        """The complaint range the default rule opens a case for: NPS 0–6 (its detractors), CSAT 1–2, CES 5–7."""
        if self.case_when == "lte":
            return Band(self.min_score, self.case_threshold)
        return Band(self.case_threshold, self.max_score)

    @property
    def lower_is_better(self) -> bool:
        """Effort (CES): the complaint range is at the top, so a lower score is the better one."""
        return self.case_when == "gte"

    def badge(self, score: int) -> str:
        """The badge class of a score: "ok", "warn" or "bad"; empty for a scale without colours."""
        if self.badge_ok is None:
            return ""
        if score in self.badge_ok:
            return "ok"
        return "warn" if self.badge_warn is not None and score in self.badge_warn else "bad"


KINDS: dict[str, SurveyKind] = {
    kind.code: kind
    for kind in [
        SurveyKind(
            code="nps",
            label=_("NPS"),
            question=_("How likely are you to recommend {org} to a friend or colleague?"),
            follow_up=_("Why did you give this score?"),
            second_question="",
            min_score=0,
            max_score=10,
            low_label=_("Not at all likely"),
            high_label=_("Extremely likely"),
            case_when="lte",
            case_threshold=6,
            praise=Band(9, 10),
            promoters=Band(9, 10),
            badge_ok=Band(9, 10),
            badge_warn=Band(7, 8),
        ),
        SurveyKind(
            code="csat",
            label=_("CSAT"),
            question=_("How satisfied are you with {org} today?"),
            follow_up=_("What is the main reason for your score?"),
            second_question="",
            min_score=1,
            max_score=5,
            low_label=_("Very dissatisfied"),
            high_label=_("Very satisfied"),
            case_when="lte",
            case_threshold=2,
            praise=Band(4, 5),
            promoters=Band(5, 5),
            satisfied=Band(4, 5),
            badge_ok=Band(4, 5),
            badge_warn=Band(3, 3),
        ),
        SurveyKind(
            code="ces",
            label=_("CES"),
            question=_("How much effort did it take to solve your problem with {org}?"),
            follow_up=_("What made it easy or hard?"),
            second_question="",
            min_score=1,
            max_score=7,
            low_label=_("Very little effort"),
            high_label=_("A great deal of effort"),
            case_when="gte",
            case_threshold=5,
            praise=Band(1, 2),
            promoters=Band(1, 2),
            # Effort: 1–3 is easy, 4 is neutral, 5–7 is the default case threshold.
            badge_ok=Band(1, 3),
            badge_warn=Band(4, 4),
        ),
        SurveyKind(
            code="grade",
            label=_("Grade and five-plus"),
            question=_("What grade would you give us?"),
            follow_up=_("What must we do to earn a five-plus?"),
            second_question="",
            min_score=1,
            max_score=5,
            low_label=_("Poor"),
            high_label=_("Excellent"),
            case_when="lte",
            case_threshold=3,
            praise=Band(5, 5),
            promoters=Band(5, 5),
            badge_ok=Band(4, 5),
            badge_warn=Band(3, 3),
        ),
        SurveyKind(
            code="readiness",
            label=_("Readiness to complain"),
            question=_("Would you tell us about a problem, even a small one, if something goes wrong?"),
            follow_up=_("Anything you would like to tell us now?"),
            second_question="",
            min_score=0,
            max_score=1,
            low_label=_("No"),
            high_label=_("Yes"),
            case_when="lte",
            case_threshold=0,
            praise=Band(1, 1),
            loyalty=False,
        ),
    ]
}

KIND_CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]


def praise_q(field: str = "score") -> Q:
    """Answers at the top of their scale (NPS 9–10, CSAT 4–5, CES 1–2, …): each kind's praise band.

    Also the condition of the answers' partial index of praise comments (`surveys.Response`): a change of a
    praise band changes that index's condition, so `makemigrations --check` asks for a migration.
    """
    return reduce(or_, (Q(kind=code) & kind.praise.q(field) for code, kind in KINDS.items()))
