"""Reads of complaint cases, always scoped to what the member may see.

Managers, owners and viewers see every case of their organization; an employee
sees only the cases of their own locations (`visible_locations`).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Role
from otklik.cases.models import Case, CaseEvent, Step
from otklik.cases.services import STEP_ORDER
from otklik.cases.visibility import cases_visible_q
from otklik.messaging.models import OutboxMessage

STATUS_OPEN = "open"
STATUS_RESOLVED = "resolved"
STATUS_ALL = "all"


def cases_visible(
    *,
    membership: Membership,
    status: str = STATUS_OPEN,
    step: str = "",
    location_id: int | None = None,
    responsible: User | None = None,
    severity: str = "",
) -> QuerySet[Case]:
    """The member's cases, newest first, narrowed by the given filters.

    `status` is "open" (every step but resolved), "resolved" or "all"; empty
    filters mean "any". `responsible` keeps only the cases that person holds.
    """
    cases = Case.objects.filter(cases_visible_q(membership=membership)).select_related(
        "location", "touchpoint", "responsible", "response", "customer"
    )
    if status == STATUS_OPEN:
        cases = cases.exclude(step=Step.RESOLVED)
    elif status == STATUS_RESOLVED:
        cases = cases.filter(step=Step.RESOLVED)
    if step:
        cases = cases.filter(step=step)
    if location_id is not None:
        cases = cases.filter(location_id=location_id)
    if responsible is not None:
        cases = cases.filter(responsible=responsible)
    if severity:
        cases = cases.filter(severity=severity)
    return cases.order_by("-created_at", "-id")


def case_get(*, membership: Membership, case_id: int) -> Case:
    """One case the member may see; Http404 for any other (another organization's, another location's)."""
    case = cases_visible(membership=membership, status=STATUS_ALL).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case.")
    return case


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    """The case's history, oldest first, with the people who acted."""
    return case.events.select_related("actor").order_by("created_at", "id")


def case_messages(*, case: Case) -> QuerySet[OutboxMessage]:
    """Every outbox message written because of this case (alerts, thank-you, report)."""
    return OutboxMessage.objects.filter(organization_id=case.organization_id, case=case).order_by("created_at", "id")


def case_assignable_members(*, membership: Membership) -> QuerySet[User]:
    """People who may hold a case: the organization's members except read-only viewers."""
    return (
        User.objects.filter(
            memberships__organization=membership.organization,
            memberships__role__in=[Role.OWNER, Role.MANAGER, Role.EMPLOYEE],
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class HolderCount:
    responsible: User | None  # None: nobody holds these cases yet
    count: int


@dataclass(frozen=True)
class OpenCasesSummary:
    count: int
    by_holder: list[HolderCount]
    oldest: Case | None
    oldest_age: timedelta | None


def open_cases_summary(*, membership: Membership) -> OpenCasesSummary:
    """What is still open for this member, for the dashboard.

    Returns an `OpenCasesSummary`:
    - `count`: open (not yet resolved) cases the member can see;
    - `by_holder`: a `HolderCount(responsible, count)` per responsible person,
      most cases first (`responsible` is None for unassigned cases);
    - `oldest`: the oldest open case, and `oldest_age`: how long it has waited
      (a `timedelta`), both None when nothing is open.
    An employee's summary covers only the cases of their own locations.
    """
    open_cases = cases_visible(membership=membership, status=STATUS_OPEN)
    rows = open_cases.order_by().values("responsible").annotate(n=Count("id")).order_by("-n", "responsible")
    people = User.objects.in_bulk([row["responsible"] for row in rows if row["responsible"] is not None])
    by_holder = [HolderCount(responsible=people.get(row["responsible"]), count=row["n"]) for row in rows]
    oldest = open_cases.order_by("created_at", "id").first()
    return OpenCasesSummary(
        count=sum(holder.count for holder in by_holder),
        by_holder=by_holder,
        oldest=oldest,
        oldest_age=(timezone.now() - oldest.created_at) if oldest else None,
    )


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # "done", "current", "todo" or "skipped"


def case_progress(*, case: Case) -> list[ProgressStep]:
    """The five C2 steps with where this case stands on each, for the progress bar."""
    position = STEP_ORDER.index(Step(case.step))

    def state(index: int) -> str:
        if index < position:
            return "done"
        return "current" if index == position else "todo"

    promise_label = _("Cannot be fixed") if case.cannot_fix else _("Promise a fix")
    fix = ProgressStep(_("Fix"), state(3))
    if case.cannot_fix:
        # An honest "cannot be fixed" goes straight from the promise to the report.
        fix = ProgressStep(_("Fix"), "skipped")
        report_state = "done" if case.step == Step.RESOLVED else "current" if case.step == Step.PROMISED else "todo"
    else:
        report_state = state(4)
    return [
        ProgressStep(_("Thank"), state(0)),
        ProgressStep(_("Apologize"), state(1)),
        ProgressStep(promise_label, state(2)),
        fix,
        ProgressStep(_("Report"), report_state),
    ]
