"""The answers with text no theme holds ("other"), counted for the loyalty-factor pages (docs/decisions/0069).

Tagging puts an answer it cannot place in "other" for one of three reasons (another language, no word it can
place, no theme close enough); the tag rollups keep their count per reason in rows with reserved theme ids
(rollups.models.OTHER_REASONS), which `selectors._tag_groups` reads with the themes' own rows.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.insights.selectors import Counted
from otklik.rollups.models import OTHER_LANGUAGE, OTHER_NO_THEME, OTHER_NO_WORDS, OTHER_NOT_RECORDED, OTHER_REASONS
from otklik.surveys.models import Response

REASON_LABELS = {
    OTHER_LANGUAGE: _("in a language we do not read"),
    OTHER_NO_WORDS: _("no words to place (emoji, numbers)"),
    OTHER_NO_THEME: _("no theme close enough"),
    OTHER_NOT_RECORDED: _("reason not recorded (tagged before it was kept)"),
}


@dataclass(frozen=True)
class OtherReason:
    reason: int  # a reserved theme id of rollups.models
    label: str
    count: int


@dataclass(frozen=True)
class OtherAnswers:
    """How many of the period's answers with text no theme holds, of how many, and why."""

    count: int
    with_text: int
    reasons: list[OtherReason]

    @property
    def share(self) -> float:
        """The % of the answers with text that no theme holds."""
        return round(100 * self.count / self.with_text, 1) if self.with_text else 0.0


def other_answers(
    *, organization: Organization, qs: QuerySet[Response] | None = None, counted: Counted | None = None
) -> OtherAnswers:
    """The answers with text no theme holds among these answers (`qs`, always within the organization), by reason.

    From `counted` (the rollups of the same answers) when given: the reasons come with the tag rollups' one read
    and the answers with text from the answer rollups per place that the themes' top places read too (no
    statement of its own). Otherwise counted from the answers: those with text that tagging has read (they
    have an analysis), put in "other" and that carry no theme.
    """
    if counted is not None:
        by_reason = {reason: n for reason, n in counted.tag_groups.other.items() if n > 0}
        if not by_reason:
            return OtherAnswers(count=0, with_text=0, reasons=[])
        with_text = sum(total or 0 for _location, _touchpoint, total in counted.with_text.values())
    else:
        by_reason, with_text = _from_answers(organization, qs)
        if not by_reason:
            return OtherAnswers(count=0, with_text=0, reasons=[])
    reasons = [
        OtherReason(reason=reason, label=str(REASON_LABELS[reason]), count=by_reason[reason])
        for reason in OTHER_REASONS
        if by_reason.get(reason)
    ]
    return OtherAnswers(count=sum(r.count for r in reasons), with_text=with_text, reasons=reasons)


def _from_answers(organization: Organization, qs: QuerySet[Response] | None) -> tuple[dict[int, int], int]:
    """The "other" answers by reason and the answers with text, counted from the answers themselves (a scan: only
    while the rollups are not reconciled in the organization's time zone)."""
    answers = Response.objects.filter(organization=organization).filter(~Q(comment="") | ~Q(second_answer=""))
    if qs is not None:
        answers = answers.filter(id__in=qs.values("id"))
    # As the reconciliation counts them (rollups.services._others_of): put in "other" by their tagging.
    reason = Q(analysis__other_reason__isnull=True) | Q(analysis__other_reason__lte=OTHER_NOT_RECORDED)
    rows = (
        answers.filter(reason, analysis__isnull=False, answer_themes__isnull=True)
        .values(reason=Coalesce("analysis__other_reason", Value(OTHER_NOT_RECORDED)))
        .annotate(n=Count("id"))
        .order_by()
    )
    by_reason = {row["reason"]: row["n"] for row in rows}
    return by_reason, answers.count() if by_reason else 0
