"""Reads for service levels: the policy in force, where a case stands against it, and who hears about it.

This module imports no case services, so `cases.services` can ask it where to
send an alert without an import cycle.
"""

import datetime
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth.models import User
from django.db.models import Case as DbCase
from django.db.models import Count, DurationField, F, Q, Sum, Value, When
from django.http import Http404
from django.utils import formats, timezone

from otklik.accounts.models import Location, Membership, Organization
from otklik.accounts.selectors import visible_locations
from otklik.batch import once_per_batch
from otklik.cases.models import Case, Severity, Step
from otklik.cases.visibility import cases_visible_q
from otklik.sla.models import NotificationPreference, SlaPolicy

# (first answer, resolution) in hours, until the organization sets its own.
DEFAULT_HOURS: dict[str, tuple[int, int]] = {
    Severity.CRITICAL: (2, 24),
    Severity.HIGH: (4, 48),
    Severity.MEDIUM: (24, 120),
    Severity.LOW: (48, 240),
}
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
# A customer segment as the customer base stores it (customers.Customer.segment, an RFM label): "at_risk".
SEGMENT_LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


def segment_normalize(value: str) -> str:
    """ " At Risk " → "at_risk": how a person types a segment, in the form the customer base stores it."""
    return "_".join(value.strip().lower().split())


def known_segments(*, organization: Organization) -> list[str]:
    """The segments the organization's customers have now, for the editors' suggestions."""
    from otklik.customers.models import Customer

    found = Customer.objects.filter(organization=organization).exclude(segment="").values_list("segment", flat=True)
    return sorted(set(found))


def sla_policies(*, organization: Organization) -> dict[str, SlaPolicy]:
    """The policy per severity for any customer segment, most urgent first.

    Severities the organization never edited get an unsaved policy with the default
    hours, so reading never writes.
    """
    stored = {
        policy.severity: policy
        for policy in SlaPolicy.objects.filter(organization=organization, segment="", severity__in=SEVERITY_ORDER)
    }
    policies = {}
    for severity in SEVERITY_ORDER:
        first, resolution = DEFAULT_HOURS[severity]
        policies[severity] = stored.get(severity) or SlaPolicy(
            organization=organization, severity=severity, first_answer_hours=first, resolution_hours=resolution
        )
    return policies


def case_segment(case: Case) -> str:
    """The customer segment a case is held to: its customer's, or "" for an unknown customer."""
    return case.customer.segment if case.customer_id else ""


@dataclass(frozen=True)
class SlaPolicySet:
    """All policies of one organization: one per severity for any customer, and per (severity, segment)."""

    defaults: dict[str, SlaPolicy]
    by_segment: dict[tuple[str, str], SlaPolicy]

    def policy(self, *, severity: str, segment: str = "") -> SlaPolicy:
        """The most specific policy: the segment's own for this severity, else the severity's default."""
        severity = severity if severity in self.defaults else Severity.MEDIUM
        return self.by_segment.get((severity, segment)) or self.defaults[severity]

    def for_case(self, case: Case) -> SlaPolicy:
        # The customer is read only when a segment could change the answer (no query otherwise).
        segment = case_segment(case) if self.by_segment else ""
        return self.policy(severity=case.severity, segment=segment)

    def all(self) -> list[SlaPolicy]:
        return [*self.defaults.values(), *self.by_segment.values()]


def segment_policies(*, organization: Organization) -> list[SlaPolicy]:
    """The organization's policies for particular segments, by segment then severity (most urgent first)."""
    rows = SlaPolicy.objects.filter(organization=organization).exclude(segment="")
    return sorted(rows, key=lambda policy: (policy.segment, SEVERITY_ORDER.index(policy.severity), policy.pk))


def segment_policy_get(*, organization: Organization, policy_id: int) -> SlaPolicy:
    """One segment policy of the organization; Http404 for any other (or for a default row)."""
    policy = SlaPolicy.objects.filter(organization=organization, pk=policy_id).exclude(segment="").first()
    if policy is None:
        raise Http404("No such service level.")
    return policy


def sla_policy_set(*, organization: Organization) -> SlaPolicySet:
    """Every policy in force for the organization (defaults filled in for severities never edited)."""
    return SlaPolicySet(
        defaults=sla_policies(organization=organization),
        by_segment={
            (policy.severity, policy.segment): policy for policy in segment_policies(organization=organization)
        },
    )


def sla_policy_for(*, case: Case, policies: SlaPolicySet | None = None) -> SlaPolicy:
    """The policy a case is held to. Pass `policies` when checking many cases of one organization."""
    if policies is None:
        policies = sla_policy_set(organization=case.organization)
    return policies.for_case(case)


@dataclass(frozen=True)
class SlaState:
    first_answer_due: datetime.datetime
    first_answer_at: datetime.datetime | None  # when the customer was thanked, i.e. first contacted
    first_answer_breached: bool  # answered late, or still unanswered after the deadline
    resolution_due: datetime.datetime
    resolved_at: datetime.datetime | None
    resolution_breached: bool

    @property
    def breached(self) -> bool:
        return self.first_answer_breached or self.resolution_breached


def case_sla_state(*, case: Case, now: datetime.datetime, policy: SlaPolicy | None = None) -> SlaState:
    """Where a case stands against its policy at `now`."""
    policy = policy or sla_policy_for(case=case)
    first_due = case.created_at + datetime.timedelta(hours=policy.first_answer_hours)
    resolution_due = case.created_at + datetime.timedelta(hours=policy.resolution_hours)
    answered_at, resolved_at = case.thanked_at, case.resolved_at
    return SlaState(
        first_answer_due=first_due,
        first_answer_at=answered_at,
        first_answer_breached=(answered_at or now) > first_due,
        resolution_due=resolution_due,
        resolved_at=resolved_at,
        resolution_breached=(resolved_at or now) > resolution_due,
    )


def case_reply_by(*, case: Case) -> str:
    """By when the customer will hear from us: the case's first-answer deadline on the organization's clock,
    written the active language's way (the thank-you message says it)."""
    if case.pk is None or case.created_at is None:
        return ""
    due = case_sla_state(case=case, now=timezone.now()).first_answer_due
    local = timezone.localtime(due, case.organization.zone)
    return formats.date_format(local, "DATETIME_FORMAT")


def _by_policy(policies: SlaPolicySet, condition) -> Q:
    """OR, over every policy, of "the case is held to this policy AND condition(policy)".

    A case is held to its (severity, segment) policy where one exists, else to its severity's default.
    """
    parts = []
    for severity, policy in policies.defaults.items():
        applies = Q(severity=severity)
        special = [segment for (sev, segment) in policies.by_segment if sev == severity]
        if special:
            # Cases without a customer have a NULL segment; they stay under the default.
            applies &= Q(customer__isnull=True) | ~Q(customer__segment__in=special)
        parts.append(applies & condition(policy))
    for (severity, segment), policy in policies.by_segment.items():
        parts.append(Q(severity=severity, customer__segment=segment) & condition(policy))
    return reduce(or_, parts)


def sla_conditions(*, policies: SlaPolicySet, now: datetime.datetime) -> dict[str, Q]:
    """Filters for the SLA figures, one per name, evaluated in the database."""
    is_open = ~Q(step=Step.RESOLVED)
    answered = Q(thanked_at__isnull=False)
    first_overdue = (
        is_open
        & Q(thanked_at__isnull=True)
        & _by_policy(policies, lambda p: Q(created_at__lt=now - datetime.timedelta(hours=p.first_answer_hours)))
    )
    resolution_overdue = is_open & _by_policy(
        policies, lambda p: Q(created_at__lt=now - datetime.timedelta(hours=p.resolution_hours))
    )
    return {
        "open": is_open,
        "unanswered": is_open & Q(thanked_at__isnull=True),
        "answered": answered,
        "answered_in_time": answered
        & _by_policy(
            policies,
            lambda p: Q(thanked_at__lte=F("created_at") + datetime.timedelta(hours=p.first_answer_hours)),
        ),
        "first_overdue": first_overdue,
        "breached_open": first_overdue | resolution_overdue,
    }


@dataclass(frozen=True)
class SlaSummary:
    unanswered: int  # open cases whose customer nobody has contacted yet
    answered_within_sla_share: int | None  # percent, None while no case was answered or is overdue
    answered_in_time: int
    answered_or_overdue: int
    breaches_open: int  # open cases past a first-answer or resolution deadline


def _answered_from_rollups(
    *, membership: Membership, policies: SlaPolicySet, location: Location | None
) -> dict[str, int] | None:
    """All-time `answered` and `answered_in_time` of the member's cases from the case rollups (month rows), or
    None where the rollups would not give the cases' own figures (docs/decisions/0037).

    The rollups judge "in time" by the severity's policy alone, so an organization with a policy for some
    customer segment counts from the cases; so does one whose rollups are not reconciled under the policies in
    force (`case_rollups_ready`).
    """
    from otklik.rollups.cases import case_rollups_ready
    from otklik.rollups.models import CaseRollup, Grain

    organization = membership.organization
    if policies.by_segment or not case_rollups_ready(organization=organization, policies=policies.defaults):
        return None
    rows = CaseRollup.objects.filter(organization=organization, grain=Grain.MONTH)
    if not membership.sees_whole_organization:
        # `cases_visible_q`: the member's locations, or any case they hold (the rollups keep the holder's id).
        rows = rows.filter(
            Q(location__in=visible_locations(membership=membership)) | Q(responsible_id=membership.user_id)
        )
    if location is not None:
        rows = rows.filter(location=location)
    sums = rows.aggregate(answered=Sum("answered"), answered_in_time=Sum("answered_in_time"))
    return {name: int(value or 0) for name, value in sums.items()}


# The SLA figures that only open cases have (the rest come from the case rollups where they can).
OPEN_FIGURES = ("unanswered", "first_overdue", "breached_open")


def sla_open_aggregates(*, policies: SlaPolicySet, now: datetime.datetime) -> dict[str, Count]:
    """The SLA figures of open cases (`OPEN_FIGURES`) as aggregates, for a caller that reads the open cases anyway.

    `/` adds them to its read of the open cases by holder (one statement instead of two over ~100 000 open cases
    at 10 M answers, docs/decisions/0057-open-cases-read-once.md) and passes the sums to `sla_summary`.
    """
    conditions = sla_conditions(policies=policies, now=now)
    return {name: Count("id", filter=conditions[name]) for name in OPEN_FIGURES}


def sla_summary(
    *,
    membership: Membership,
    now: datetime.datetime | None = None,
    location: Location | None = None,
    policies: SlaPolicySet | None = None,
    open_figures: dict[str, int] | None = None,
) -> SlaSummary:
    """The member's SLA figures, for the dashboard and the digest.

    The share counts, among cases that were answered or are overdue without an
    answer, those answered within their policy; an unanswered case not yet due
    counts for neither side.

    `policies`: the organization's, when the caller has read them. `open_figures`: the `OPEN_FIGURES` of the
    member's open cases (of `location`) as the caller counted them with `sla_open_aggregates` under the same
    `policies` and `now`; they are used where the rest comes from the case rollups, instead of a read of their own.
    """
    now = now or timezone.now()
    policies = policies or sla_policy_set(organization=membership.organization)
    conditions = sla_conditions(policies=policies, now=now)
    cases = Case.objects.filter(cases_visible_q(membership=membership))
    if location is not None:  # a dashboard narrowed to one location counts only its complaints
        cases = cases.filter(location=location)
    answered = _answered_from_rollups(membership=membership, policies=policies, location=location)
    if answered is None:
        figures = cases.aggregate(**{name: Count("id", filter=condition) for name, condition in conditions.items()})
    else:
        # Every other figure is about open cases: read through the partial index of open cases
        # (`case_open_by_org`), a few thousand rows where all time holds hundreds of thousands.
        if open_figures is None:
            figures = cases.exclude(step=Step.RESOLVED).aggregate(**sla_open_aggregates(policies=policies, now=now))
        else:
            figures = {name: open_figures[name] for name in OPEN_FIGURES}
        figures.update(answered)
    considered = figures["answered"] + figures["first_overdue"]
    return SlaSummary(
        unanswered=figures["unanswered"],
        answered_within_sla_share=round(100 * figures["answered_in_time"] / considered) if considered else None,
        answered_in_time=figures["answered_in_time"],
        answered_or_overdue=considered,
        breaches_open=figures["breached_open"],
    )


def notification_preference(*, user: User, organization: Organization) -> NotificationPreference:
    """The member's stored choices, or the defaults (e-mail on, digest on) unsaved."""
    return NotificationPreference.objects.filter(user=user, organization=organization).first() or (
        NotificationPreference(user=user, organization=organization)
    )


def alert_channels_for(
    *, user: User, organization: Organization, preference: NotificationPreference | None = None
) -> list[tuple[str, str]]:
    """Where to send this member an alert: (channel name, recipient) pairs, e-mail first.

    A channel chosen without an address to send to is left out.
    """
    preference = preference or once_per_batch(
        ("notification_preference", user.pk, organization.pk),
        lambda: notification_preference(user=user, organization=organization),
    )
    channels = []
    if preference.email and user.email:
        channels.append(("email", user.email))
    if preference.telegram and preference.telegram_chat_id:
        channels.append(("telegram", preference.telegram_chat_id))
    return channels


@dataclass(frozen=True)
class HeldCase:
    case: Case
    due: datetime.datetime  # the next deadline: the first answer until the customer was thanked, then resolution
    overdue: bool
    left: datetime.timedelta  # till the deadline; negative when past it


def _policy_hours(policies: SlaPolicySet, attr: str) -> DbCase:
    """The hours (`attr`) of the policy each case is held to, as an interval in SQL: `SlaPolicySet.policy`'s
    choice (the segment's own policy first, an unknown severity held as medium)."""
    whens = []
    known = list(policies.defaults)
    for (severity, segment), policy in policies.by_segment.items():
        hours = Value(datetime.timedelta(hours=getattr(policy, attr)))
        whens.append(When(severity=severity, customer__segment=segment, then=hours))
        if severity == Severity.MEDIUM:
            whens.append(When(~Q(severity__in=known), customer__segment=segment, then=hours))
    for severity, policy in policies.defaults.items():
        whens.append(When(severity=severity, then=Value(datetime.timedelta(hours=getattr(policy, attr)))))
    medium = datetime.timedelta(hours=getattr(policies.defaults[Severity.MEDIUM], attr))
    return DbCase(*whens, default=Value(medium), output_field=DurationField())


def cases_held_by_urgency(
    *, membership: Membership, now: datetime.datetime, limit: int = 20, policies: SlaPolicySet | None = None
) -> list[HeldCase]:
    """The member's own open cases, the most urgent first (the nearest or most overdue deadline).

    PostgreSQL orders them by the deadline and returns the first `limit`: a member may hold thousands of open
    cases, and `/` shows twenty (docs/decisions/0031). `policies`: the organization's, when the caller has them.
    """
    policies = policies or sla_policy_set(organization=membership.organization)
    next_hours = DbCase(
        When(thanked_at__isnull=True, then=_policy_hours(policies, "first_answer_hours")),
        default=_policy_hours(policies, "resolution_hours"),
        output_field=DurationField(),
    )
    cases = list(
        Case.objects.filter(organization=membership.organization, responsible_id=membership.user_id)
        .exclude(step=Step.RESOLVED)
        .annotate(due=F("created_at") + next_hours)
        .select_related("location", "customer", "organization")
        .order_by("due", "pk")[:limit]
    )
    held = []
    for case in cases:
        state = case_sla_state(case=case, now=now, policy=policies.for_case(case))
        due = state.first_answer_due if case.thanked_at is None else state.resolution_due
        held.append(HeldCase(case=case, due=due, overdue=due < now, left=due - now))
    held.sort(key=lambda item: (item.due, item.case.pk))
    return held[:limit]
