"""Service levels (C7): policies, escalation of missed deadlines, and the managers' daily digest.

One ignored complaint makes the next one far less likely, so a missed deadline
goes up the ladder (the responsible person and the managers, then the owners)
and every manager hears each morning what is still waiting. Both jobs run from
the worker loop every minute and are idempotent: a unique row or outbox key per
alert means a second run, or a second worker, sends nothing again.
"""

import datetime
import logging
import re
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization, Role
from otklik.accounts.selectors import member_language, site_url
from otklik.cases.models import Case, Step
from otklik.insights.profanity import masked
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_enqueue
from otklik.rollups.cases import case_rollups_policies_changed
from otklik.sla.models import Escalation, EscalationLevel, EscalationReason, NotificationPreference, SlaPolicy
from otklik.sla.selectors import (
    SEGMENT_LABEL,
    SEVERITY_ORDER,
    alert_channels_for,
    case_sla_state,
    notification_preference,
    segment_normalize,
    sla_policies,
    sla_policy_for,
    sla_policy_set,
    sla_summary,
)

logger = logging.getLogger(__name__)

# A deadline missed longer ago than this is not escalated any more: the first run
# after importing history (or the demo) would otherwise alert everyone about
# hundreds of old cases. The digest still counts them.
ESCALATION_HORIZON = datetime.timedelta(days=2)
# The digest goes out from this hour of the organization's morning.
DIGEST_HOUR = 7
DIGEST_OLDEST_SHOWN = 5
TELEGRAM_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


# Policies


def sla_policies_ensure(*, organization: Organization) -> dict[str, SlaPolicy]:
    """Store the default policies the organization does not have yet; return all of them."""
    for severity, policy in sla_policies(organization=organization).items():
        if policy.pk is None:
            SlaPolicy.objects.get_or_create(
                organization=organization,
                severity=severity,
                segment="",
                defaults={
                    "first_answer_hours": policy.first_answer_hours,
                    "resolution_hours": policy.resolution_hours,
                },
            )
    return sla_policies(organization=organization)


def sla_policy_validate(*, first_answer_hours: int, resolution_hours: int) -> None:
    if first_answer_hours <= 0 or resolution_hours <= 0:
        raise ValidationError(_("Give a number of hours greater than zero."))
    if resolution_hours < first_answer_hours:
        raise ValidationError(_("Resolution cannot be due before the first answer."))


@transaction.atomic
def sla_policies_save(*, organization: Organization, hours: dict[str, tuple[int, int]]) -> dict[str, SlaPolicy]:
    """Set (first answer, resolution) hours per severity for any customer segment."""
    for severity, (first, resolution) in hours.items():
        if severity not in SEVERITY_ORDER:
            raise ValidationError(_("Unknown severity."))
        sla_policy_validate(first_answer_hours=first, resolution_hours=resolution)
        SlaPolicy.objects.update_or_create(
            organization=organization,
            severity=severity,
            segment="",
            defaults={"first_answer_hours": first, "resolution_hours": resolution},
        )
    case_rollups_policies_changed(organization=organization)
    return sla_policies_ensure(organization=organization)


def sla_segment_policy_save(
    *, organization: Organization, segment: str, severity: str, first_answer_hours: int, resolution_hours: int
) -> SlaPolicy:
    """Set the hours for one severity of one customer segment; it wins over the severity's default."""
    segment = segment_normalize(segment)
    if not segment:
        raise ValidationError({"segment": _("Name the segment; the table above is for any customer.")})
    if not SEGMENT_LABEL.match(segment):
        raise ValidationError({"segment": _("A segment name has letters, digits, “_” or “-”, at most 30 characters.")})
    if severity not in SEVERITY_ORDER:
        raise ValidationError({"severity": _("Unknown severity.")})
    try:
        sla_policy_validate(first_answer_hours=first_answer_hours, resolution_hours=resolution_hours)
    except ValidationError as exc:
        raise ValidationError({"resolution_hours": exc.messages}) from exc
    policy, _created = SlaPolicy.objects.update_or_create(
        organization=organization,
        severity=severity,
        segment=segment,
        defaults={"first_answer_hours": first_answer_hours, "resolution_hours": resolution_hours},
    )
    return policy


def sla_segment_policy_delete(*, policy: SlaPolicy) -> None:
    """Remove a segment's own policy: its cases go back to the severity's default."""
    if not policy.segment:
        raise ValidationError(_("The policy for any customer cannot be removed, only changed."))
    policy.delete()


# Preferences


def notification_preference_save(
    *,
    user: User,
    organization: Organization,
    email: bool,
    telegram: bool,
    telegram_chat_id: str,
    daily_digest: bool,
) -> NotificationPreference:
    """Store where a member wants alerts; at least one channel, so no complaint goes unheard."""
    if not Membership.objects.filter(user=user, organization=organization, is_active=True).exists():
        raise ValidationError(_("Only a member of the organization has notification settings there."))
    telegram_chat_id = telegram_chat_id.strip()
    if telegram_chat_id and not TELEGRAM_CHAT_ID.match(telegram_chat_id):
        raise ValidationError(_("A Telegram chat id is a number, such as 123456789, or a @channel name."))
    if telegram and not telegram_chat_id:
        raise ValidationError(_("Give your Telegram chat id to get alerts by Telegram."))
    if not email and not telegram:
        raise ValidationError(_("Choose at least one channel: an alert nobody receives helps no customer."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        organization=organization,
        defaults={
            "email": email,
            "telegram": telegram,
            "telegram_chat_id": telegram_chat_id,
            "daily_digest": daily_digest,
        },
    )
    return preference


def alert_send(
    *, organization: Organization, user: User, key: str, subject: str, body: str, kind: str, case: Case | None = None
) -> int:
    """Queue one alert to a person on each channel they chose; `key` is suffixed by the channel."""
    channels = alert_channels_for(user=user, organization=organization)
    for channel, recipient in channels:
        outbox_enqueue(
            organization=organization,
            key=f"{key}:{channel}",
            recipient=recipient,
            subject=subject,
            body=body,
            kind=kind,
            case=case,
            channel=channel,
        )
    return len(channels)


# Escalation


def _members(organization: Organization, role: str) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(organization=organization, role=role, is_active=True)
        .select_related("user")
        .order_by("id")
    ]


def _escalation_recipients(*, case: Case, level: str, reason: str) -> list[User]:
    """Who hears about a missed deadline at this level.

    The first level reminds the responsible person and tells the managers (the
    owners where there is no manager); the second tells the owners not yet told.
    """
    managers, owners = _members(case.organization, Role.MANAGER), _members(case.organization, Role.OWNER)
    if level == EscalationLevel.MANAGER:
        people = ([case.responsible] if case.responsible else []) + (managers or owners)
    else:
        earlier = Escalation.objects.filter(case=case, reason=reason).exclude(notified=None)
        already = set(earlier.values_list("notified", flat=True))
        people = [owner for owner in owners if owner.pk not in already]
    unique = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def _local(moment: datetime.datetime, organization: Organization) -> str:
    local = timezone.localtime(moment, organization.zone)
    return formats.date_format(local, "DATETIME_FORMAT")


def _escalation_message(*, case: Case, reason: str, due_at: datetime.datetime, language: str) -> tuple[str, str]:
    organization = case.organization
    with translation.override(language):
        values = {
            "number": case.pk,
            "location": case.location.name,
            "due": _local(due_at, organization),
            "responsible": (case.responsible.get_full_name() or case.responsible.get_username())
            if case.responsible
            else _("nobody"),
            "step": Step(case.step).label,
            # E-mail and Telegram leave the app: insults are masked for every recipient (D2).
            "content": masked(case.content, organization.pk),
            "url": site_url(organization=case.organization) + reverse("cases:detail", args=[case.pk]),
        }
        if reason == EscalationReason.FIRST_ANSWER:
            subject = _("Complaint #%(number)s at %(location)s has had no answer in time") % values
            body = (
                _(
                    "Nobody has contacted the customer yet; the first answer was due at %(due)s.\n"
                    "Responsible: %(responsible)s.\n\n«%(content)s»\n\nOpen the case: %(url)s"
                )
                % values
            )
        else:
            subject = _("Complaint #%(number)s at %(location)s is not resolved in time") % values
            body = (
                _(
                    "The case is still at the step “%(step)s”; it was due to be resolved at %(due)s.\n"
                    "Responsible: %(responsible)s.\n\n«%(content)s»\n\nOpen the case: %(url)s"
                )
                % values
            )
    return str(subject), str(body)


def _escalate(*, case: Case, level: str, reason: str, due_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Record one escalation and queue its alerts; False if it was already recorded."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    case=case, level=level, reason=reason, due_at=due_at, created_at=now
                )
        except IntegrityError:  # another worker took it first, or an earlier run did
            return False
        people = _escalation_recipients(case=case, level=level, reason=reason)
        escalation.notified.set(people)
        for person in people:
            # Each person reads the alert in their own language.
            language = member_language(user=person, organization=case.organization)
            subject, body = _escalation_message(case=case, reason=reason, due_at=due_at, language=language)
            alert_send(
                organization=case.organization,
                user=person,
                key=f"case:{case.pk}:sla:{reason}:{level}:{person.pk}",
                subject=subject,
                body=body,
                kind="sla_escalation",
                case=case,
            )
    return True


@dataclass(frozen=True)
class _Due:
    level: str
    reason: str
    due_at: datetime.datetime


def _escalations_due(*, case: Case, policy: SlaPolicy, now: datetime.datetime) -> list[_Due]:
    """The (level, reason) pairs whose moment has come for this open case, within the horizon.

    The first level fires at the deadline, the second one policy period later: an
    owner hears of a 2-hour first answer missed after 4 hours.
    """
    state = case_sla_state(case=case, now=now, policy=policy)
    windows = []
    if case.thanked_at is None:
        windows.append(
            (EscalationReason.FIRST_ANSWER, state.first_answer_due, datetime.timedelta(hours=policy.first_answer_hours))
        )
    windows.append(
        (EscalationReason.RESOLUTION, state.resolution_due, datetime.timedelta(hours=policy.resolution_hours))
    )
    due = []
    for reason, deadline, period in windows:
        for level, moment in ((EscalationLevel.MANAGER, deadline), (EscalationLevel.OWNER, deadline + period)):
            if now - ESCALATION_HORIZON <= moment <= now:
                due.append(_Due(level=level, reason=reason, due_at=deadline))
    return due


def sla_escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Escalate every open case past a deadline, once per level and reason. Returns escalations made."""
    now = now or timezone.now()
    made = 0
    open_cases = Case.objects.exclude(step=Step.RESOLVED)
    for organization in Organization.objects.filter(pk__in=open_cases.values("organization_id")):
        policies = sla_policy_set(organization=organization)
        longest = max(2 * policy.resolution_hours for policy in policies.all())
        candidates = (
            open_cases.filter(organization=organization)
            .filter(created_at__gte=now - ESCALATION_HORIZON - datetime.timedelta(hours=longest))
            .select_related("organization", "location", "responsible", "customer")
            .order_by("created_at", "id")
        )
        due_by_case = [
            (case, _escalations_due(case=case, policy=sla_policy_for(case=case, policies=policies), now=now))
            for case in candidates
        ]
        due_by_case = [(case, due) for case, due in due_by_case if due]
        done = set(
            Escalation.objects.filter(case__in=[case for case, _due in due_by_case]).values_list(
                "case_id", "level", "reason"
            )
        )
        for case, due in due_by_case:
            for item in due:
                if (case.pk, item.level, item.reason) in done:
                    continue
                made += _escalate(case=case, level=item.level, reason=item.reason, due_at=item.due_at, now=now)
    return made


# Daily digest


@dataclass(frozen=True)
class DigestFigures:
    day: datetime.date
    new_cases: int
    open_cases: int
    unanswered: int
    breaches_open: int
    answered_within_sla_share: int | None
    oldest: list[Case]
    rules_failed: int = 0  # rule runs that failed that day: the manager must hear, or nobody fixes the rule

    @property
    def is_empty(self) -> bool:
        return not self.new_cases and not self.open_cases and not self.rules_failed


def digest_figures(*, membership: Membership, day: datetime.date, now: datetime.datetime) -> DigestFigures:
    """What a manager reads each morning about `day` (the day before) and about now."""
    organization = membership.organization
    tz = organization.zone
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    cases = Case.objects.filter(organization=organization)
    open_cases = cases.exclude(step=Step.RESOLVED)
    summary = sla_summary(membership=membership, now=now)
    return DigestFigures(
        day=day,
        new_cases=cases.filter(created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)).count(),
        open_cases=open_cases.count(),
        unanswered=summary.unanswered,
        breaches_open=summary.breaches_open,
        answered_within_sla_share=summary.answered_within_sla_share,
        oldest=list(open_cases.select_related("location").order_by("created_at", "id")[:DIGEST_OLDEST_SHOWN]),
        # Through the reverse relation: the rules sit above sla, which only counts their failures here.
        rules_failed=organization.rule_runs.filter(
            ok=False,
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
        ).count(),
    )


def _digest_message(
    *, organization: Organization, figures: DigestFigures, now: datetime.datetime, language: str
) -> tuple[str, str]:
    with translation.override(language):
        subject = _("%(organization)s: complaints on %(day)s") % {
            "organization": organization.name,
            "day": formats.date_format(figures.day, "DATE_FORMAT"),
        }
        share = "—" if figures.answered_within_sla_share is None else f"{figures.answered_within_sla_share}%"
        lines = [
            _("New complaints that day: %(count)s") % {"count": figures.new_cases},
            _("Open now: %(count)s") % {"count": figures.open_cases},
            _("Without a first answer: %(count)s") % {"count": figures.unanswered},
            _("Past their SLA deadline: %(count)s") % {"count": figures.breaches_open},
            _("Answered within the SLA: %(share)s") % {"share": share},
        ]
        if figures.oldest:
            lines += ["", _("The oldest open complaints:")]
            for case in figures.oldest:
                lines.append(
                    _("#%(number)s, %(location)s, waiting since %(since)s: %(url)s")
                    % {
                        "number": case.pk,
                        "location": case.location.name,
                        "since": _local(case.created_at, organization),
                        "url": site_url(organization=case.organization) + reverse("cases:detail", args=[case.pk]),
                    }
                )
        if figures.rules_failed:
            lines += [
                "",
                _("Rules that failed that day: %(count)s. See what went wrong: %(url)s")
                % {"count": figures.rules_failed, "url": site_url(organization=organization) + reverse("rules:list")},
            ]
        lines += [
            "",
            _("All open cases: %(url)s") % {"url": site_url(organization=organization) + reverse("cases:list")},
        ]
    return str(subject), "\n".join(str(line) for line in lines)


def digest_send_due(*, now: datetime.datetime | None = None) -> int:
    """Queue today's digest for each manager and owner who wants it, from DIGEST_HOUR local time.

    Once per person, organization and local day; a day with no new and no open
    complaint sends nothing. Returns how many people got a digest now.
    """
    now = now or timezone.now()
    sent = 0
    memberships = (
        Membership.objects.filter(role__in=[Role.MANAGER, Role.OWNER], is_active=True)
        .select_related("user", "organization")
        .order_by("organization_id", "id")
    )
    figures_by_org: dict[int, DigestFigures] = {}
    for membership in memberships:
        organization, user = membership.organization, membership.user
        local_now = timezone.localtime(now, organization.zone)
        if local_now.hour < DIGEST_HOUR:
            continue
        preference = notification_preference(user=user, organization=organization)
        if not preference.daily_digest:
            continue
        channels = alert_channels_for(user=user, organization=organization, preference=preference)
        key = f"digest:{organization.pk}:{user.pk}:{local_now.date().isoformat()}"
        if not channels or OutboxMessage.objects.filter(key__startswith=f"{key}:").exists():
            continue
        if organization.pk not in figures_by_org:
            yesterday = local_now.date() - datetime.timedelta(days=1)
            figures_by_org[organization.pk] = digest_figures(membership=membership, day=yesterday, now=now)
        figures = figures_by_org[organization.pk]
        if figures.is_empty:
            continue
        language = membership.language or organization.default_language
        subject, body = _digest_message(organization=organization, figures=figures, now=now, language=language)
        sent += bool(
            alert_send(organization=organization, user=user, key=key, subject=subject, body=body, kind="sla_digest")
        )
    return sent


def sla_jobs_run(*, now: datetime.datetime | None = None) -> None:
    """The worker's periodic SLA work: escalate missed deadlines, then send the morning digests.

    A failure of one job is logged and does not stop the other.
    """
    now = now or timezone.now()
    for job in (sla_escalate_due, digest_send_due):
        try:
            job(now=now)
        except Exception:  # the loop must keep going; the next minute retries
            logger.exception("%s failed", job.__name__)
