"""Reads: improvements, the cases they answer, loyalty before and after recovery.

Improvements belong to the whole organization, so every member may read them; the
cases shown beside them are only those the member may see (`cases_visible`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.http import Http404

from otklik.accounts.models import Location, Membership, Organization, Role
from otklik.cases.models import Case
from otklik.cases.selectors import STATUS_ALL, cases_visible
from otklik.improvements.models import ContactAttempt, Improvement, ImprovementStatus, RecoveryFollowUp
from otklik.improvements.services import customer_address, improvement_message_key, recovery_followup_days
from otklik.messaging.models import OutboxMessage
from otklik.surveys.kinds import KINDS

LINK_CANDIDATES = 50


def improvements_visible(*, membership: Membership, status: str = "") -> QuerySet[Improvement]:
    """The organization's improvements with their number of linked cases: unfinished first, by due date."""
    improvements = Improvement.objects.filter(organization=membership.organization).select_related("owner")
    if status:
        improvements = improvements.filter(status=status)
    return improvements.annotate(case_count=Count("links")).order_by(
        F("done_at").desc(nulls_first=True), F("due_date").asc(nulls_last=True), "-created_at", "-id"
    )


def improvement_get(*, membership: Membership, improvement_id: int) -> Improvement:
    """One improvement of the member's organization; Http404 for any other."""
    improvement = improvements_visible(membership=membership).filter(pk=improvement_id).first()
    if improvement is None:
        raise Http404("No such improvement.")
    return improvement


def improvement_owners(*, membership: Membership) -> QuerySet[User]:
    """People who may own an improvement: members who are not read-only viewers."""
    return (
        User.objects.filter(
            memberships__organization=membership.organization,
            memberships__role__in=[Role.OWNER, Role.MANAGER, Role.EMPLOYEE],
        )
        .distinct()
        .order_by("username")
    )


def improvement_cases(*, membership: Membership, improvement: Improvement) -> QuerySet[Case]:
    """The linked cases this member may see, newest first."""
    return cases_visible(membership=membership, status=STATUS_ALL).filter(improvement_links__improvement=improvement)


def improvement_customers_to_tell(*, improvement: Improvement) -> int:
    """How many linked customers "Mark done and tell every customer" would write to now.

    Counted over every linked case (not only those the member sees): it is what will be sent.
    """
    cases = Case.objects.filter(improvement_links__improvement=improvement).exclude(customer_email="")
    keys = {improvement_message_key(improvement=improvement, case=case): case for case in cases}
    told = set(OutboxMessage.objects.filter(key__in=list(keys)).values_list("key", flat=True))
    return sum(1 for key, case in keys.items() if key not in told and customer_address(case=case) is not None)


@dataclass(frozen=True)
class Similarity:
    """What makes a complaint similar to an improvement's: its themes, locations and touchpoints."""

    themes: frozenset[int] = frozenset()
    locations: frozenset[int] = frozenset()
    touchpoints: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.themes or self.locations or self.touchpoints)


# How much each shared trait weighs in the order of the candidates: the same theme says most about
# "the same problem"; the same touchpoint more than the same location.
THEME_WEIGHT, TOUCHPOINT_WEIGHT, LOCATION_WEIGHT = 4, 2, 1
KEYWORDS_NAMING_A_THEME = 5


def _themes_named(improvement: Improvement) -> set[int]:
    """Themes of the organization whose name or strongest key words the improvement's title or description uses."""
    from otklik.insights import text as textlib

    Theme = apps.get_model("insights", "Theme")
    said = f"{improvement.title} {improvement.description}"
    found = set(textlib.lemmas(said))
    named = set()
    for theme in Theme.objects.filter(organization_id=improvement.organization_id).only("pk", "name", "keywords"):
        words = {str(term) for term, _weight in theme.keywords[:KEYWORDS_NAMING_A_THEME] if " " not in str(term)}
        if found & (words | set(textlib.lemmas(theme.name))):
            named.add(theme.pk)
    return named


def improvement_similarity(*, improvement: Improvement) -> Similarity:
    """The themes (insights tags), locations and touchpoints of the linked complaints, else of the title."""
    AnswerTheme = apps.get_model("insights", "AnswerTheme")
    linked = Case.objects.filter(improvement_links__improvement=improvement)
    themes = set(
        AnswerTheme.objects.filter(response__case__in=linked).values_list("theme_id", flat=True).distinct()
    ) or _themes_named(improvement)
    return Similarity(
        themes=frozenset(themes),
        locations=frozenset(linked.values_list("location_id", flat=True).distinct()),
        touchpoints=frozenset(pk for pk in linked.values_list("touchpoint_id", flat=True).distinct() if pk),
    )


def improvement_link_candidates(*, membership: Membership, improvement: Improvement) -> QuerySet[Case]:
    """Complaints worth linking, the most similar first; the newest only when nothing says what is similar.

    Similar means: the same theme as the linked complaints (or as the improvement's title names),
    the same touchpoint, the same location. Once cases are linked, a candidate must be at one of
    their locations: another company's complaint about the same theme is another problem. Always
    within the member's organization and locations (`cases_visible`).
    """
    AnswerTheme = apps.get_model("insights", "AnswerTheme")
    candidates = cases_visible(membership=membership, status=STATUS_ALL).exclude(
        improvement_links__improvement=improvement
    )
    similar = improvement_similarity(improvement=improvement)
    if not similar:
        return candidates[:LINK_CANDIDATES]
    same_theme = Exists(
        AnswerTheme.objects.filter(response_id=OuterRef("response_id"), theme_id__in=list(similar.themes))
    )
    score = (
        _weight_if(same_theme, THEME_WEIGHT)
        + _weight_if(Q(touchpoint_id__in=list(similar.touchpoints)), TOUCHPOINT_WEIGHT)
        + _weight_if(Q(location_id__in=list(similar.locations)), LOCATION_WEIGHT)
    )
    if similar.locations:
        candidates = candidates.filter(location_id__in=list(similar.locations))
    return (
        candidates.annotate(similarity=score)
        .filter(similarity__gt=0)
        .order_by("-similarity", "-created_at", "-id")[:LINK_CANDIDATES]
    )


def _weight_if(condition, weight: int) -> DbCase:
    """`weight` where the condition holds, else 0: added up, the similarity of a candidate."""
    return DbCase(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def cases_linkable(*, membership: Membership) -> QuerySet[Case]:
    """Every case the member may link: open or resolved, within their locations."""
    return cases_visible(membership=membership, status=STATUS_ALL)


def cases_by_numbers(*, membership: Membership, numbers: Iterable[int]) -> tuple[list[Case], list[int]]:
    """The member's cases with these numbers, and the numbers that name none of them."""
    numbers = list(dict.fromkeys(numbers))
    found = {case.pk: case for case in cases_visible(membership=membership, status=STATUS_ALL).filter(pk__in=numbers)}
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


def case_improvements(*, case: Case) -> QuerySet[Improvement]:
    """The improvements that answer this case."""
    return Improvement.objects.filter(organization_id=case.organization_id, links__case=case).select_related("owner")


def improvements_open(*, membership: Membership) -> QuerySet[Improvement]:
    """Improvements a case can still be linked to from its page (not done yet)."""
    return Improvement.objects.filter(organization=membership.organization).exclude(status=ImprovementStatus.DONE)


def contact_attempts(*, case: Case) -> QuerySet[ContactAttempt]:
    return case.contact_attempts.select_related("by").order_by("-created_at", "-id")


@dataclass(frozen=True)
class CaseRecovery:
    """Loyalty before the complaint and after its resolution, for one case (C9)."""

    before: int | None  # the original answer's score
    after: int | None  # the follow-up answer's score, once given
    max_score: int | None
    followup: RecoveryFollowUp | None
    ask_on: datetime | None  # when the customer is (or will be) asked again
    can_ask: bool  # an original answer and a way to write to the customer

    @property
    def change(self) -> int | None:
        return None if self.before is None or self.after is None else self.after - self.before


def recovery_for_case(*, case: Case) -> CaseRecovery:
    response = case.response
    followup = RecoveryFollowUp.objects.filter(case=case).select_related("invitation__response").first()
    after = None
    if followup is not None and followup.invitation is not None:
        answer = getattr(followup.invitation, "response", None)
        after = answer.score if answer is not None else None
    ask_on = followup.due_at if followup else None
    if ask_on is None and case.resolved_at is not None:
        ask_on = case.resolved_at + timedelta(days=recovery_followup_days())
    return CaseRecovery(
        before=response.score if response else None,
        after=after,
        max_score=KINDS[response.kind].max_score if response else None,
        followup=followup,
        ask_on=ask_on,
        can_ask=response is not None and customer_address(case=case) is not None,
    )


@dataclass(frozen=True)
class RecoveryScore:
    """Per survey kind: customers asked again after recovery, and their scores before and after."""

    kind: str
    kind_label: str
    asked: int
    answered: int
    before: float | None  # average original score of those who answered again
    after: float | None  # average follow-up score
    improved: int  # answered with a better score than before (for CES, a lower one)


def recovery_scores(*, organization: Organization, locations: QuerySet[Location] | None = None) -> list[RecoveryScore]:
    """Loyalty after recovery for the dashboard: average score before and after, per survey kind.

    Scores of different kinds (NPS 0–10, CSAT 1–5, CES 1–7) are never averaged together.
    `locations` narrows to an employee's own locations (`visible_locations`).
    """
    followups = RecoveryFollowUp.objects.filter(case__organization=organization, case__response__isnull=False)
    if locations is not None:
        followups = followups.filter(case__location__in=locations)
    # Asked first, with a LIMIT 1 that plans from the follow-ups: an organization that never asked (the table empty
    # or never analyzed, as autovacuum leaves a table nobody writes to) had the grouped read below planned as a
    # scan of every case of the organization hashed against the follow-ups (decision 0057).
    if not followups.exists():
        return []
    answered = Q(invitation__response__isnull=False)
    rows = (
        followups.values(kind=F("case__response__kind"))
        .annotate(
            asked=Count("pk"),
            answered=Count("pk", filter=answered),
            before=Avg("case__response__score", filter=answered),
            after=Avg("invitation__response__score", filter=answered),
            higher=Count("pk", filter=Q(invitation__response__score__gt=F("case__response__score"))),
            lower=Count("pk", filter=Q(invitation__response__score__lt=F("case__response__score"))),
        )
        .order_by("kind")
    )
    return [
        RecoveryScore(
            kind=row["kind"],
            kind_label=str(KINDS[row["kind"]].label),
            asked=row["asked"],
            answered=row["answered"],
            before=row["before"],
            after=row["after"],
            # A lower effort score is the better one.
            improved=row["lower"] if KINDS[row["kind"]].lower_is_better else row["higher"],
        )
        for row in rows
    ]
