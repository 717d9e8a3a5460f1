"""The survey templates (A1–A4): their scales and question texts in three languages.

Texts are marked for translation, so a survey speaks the customer's language.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        ),
    ]
}

KIND_CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]
