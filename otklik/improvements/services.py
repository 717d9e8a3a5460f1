"""Writes: improvements and the customers they answer, follow-up questions, personal contacts.

Every customer message goes through the outbox with a key that names its cause,
so a double click, a second completion or two workers at once never send twice.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization
from otklik.accounts.selectors import site_url
from otklik.cases.addresses import CustomerAddress, case_customer_address
from otklik.cases.models import Case, Step
from otklik.improvements.models import (
    ContactAttempt,
    ContactOutcome,
    ContactWay,
    Improvement,
    ImprovementCase,
    ImprovementStatus,
    RecoveryFollowUp,
)
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_enqueue, render_customer_message
from otklik.surveys.models import Invitation

# Resolved cases older than this past their due date are not asked any more: switching the
# feature on (or a worker that was down for months) must not e-mail every customer ever.
RECOVERY_LATEST = timedelta(days=30)
RECOVERY_BATCH = 200


def recovery_followup_days() -> int:
    """Days between a case's resolution and the question asked again (OTKLIK_RECOVERY_FOLLOWUP_DAYS)."""
    return int(getattr(settings, "OTKLIK_RECOVERY_FOLLOWUP_DAYS", 14))


def customer_address(*, case: Case) -> CustomerAddress | None:
    """Where a written message to this case's customer goes (cases.addresses picks the channel)."""
    return case_customer_address(case=case)


def _require_member(organization: Organization, user: User | None, field: str) -> None:
    if (
        user is not None
        and not Membership.objects.filter(organization=organization, user=user, is_active=True).exists()
    ):
        raise ValidationError({field: _("The owner must be a member of the organization.")})


@transaction.atomic
def improvement_create(
    *,
    organization: Organization,
    title: str,
    description: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    status: str = ImprovementStatus.PLANNED,
) -> Improvement:
    """Plan a systemic fix; its owner must belong to the organization."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the improvement a title.")})
    if status not in (ImprovementStatus.PLANNED, ImprovementStatus.IN_PROGRESS):
        raise ValidationError({"status": _("An improvement is marked done with “Mark done and tell every customer”.")})
    _require_member(organization, owner, "owner")
    return Improvement.objects.create(
        organization=organization,
        title=title,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        status=status,
    )


@transaction.atomic
def improvement_update(
    *,
    improvement: Improvement,
    title: str,
    description: str,
    owner: User | None,
    due_date: date | None,
    status: str | None = None,
) -> Improvement:
    """Change the title, description, owner, due date and (until it is done) the status."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the improvement a title.")})
    _require_member(improvement.organization, owner, "owner")
    if status is not None and not improvement.is_done:
        if status not in (ImprovementStatus.PLANNED, ImprovementStatus.IN_PROGRESS):
            raise ValidationError(
                {"status": _("An improvement is marked done with “Mark done and tell every customer”.")}
            )
        improvement.status = status
    improvement.title, improvement.description = title, description.strip()
    improvement.owner, improvement.due_date = owner, due_date
    improvement.save(update_fields=["title", "description", "owner", "due_date", "status"])
    return improvement


def improvement_message_key(*, improvement: Improvement, case: Case) -> str:
    return f"improvement:{improvement.pk}:case:{case.pk}"


def _tell_customer(improvement: Improvement, case: Case) -> bool:
    """Queue the "thanks to you we changed X" message for one case; True when it was queued now."""
    address = customer_address(case=case)
    if address is None:
        return False
    key = improvement_message_key(improvement=improvement, case=case)
    if OutboxMessage.objects.filter(key=key).exists():
        return False
    with translation.override(case.language):
        subject, body = render_customer_message(
            organization=improvement.organization,
            kind="improvement_done",
            language=case.language,
            context={
                "customer_name": case.customer_name or _("customer"),
                "organization": improvement.organization.name,
                "case_number": f"#{case.pk}",
                "location": case.location.name,
                "complaint": case.content,
                "what_was_done": improvement.what_changed,
                "improvement": improvement.title,
                "what_changed": improvement.what_changed,
            },
        )
    outbox_enqueue(
        organization=improvement.organization,
        key=key,
        recipient=address.recipient,
        subject=subject,
        body=body,
        kind="improvement_done",
        case=case,
        channel=address.channel,
        customer=address.customer,
        address_language=case.language,
    )
    return True


def _tell_customers(improvement: Improvement, cases: Iterable[Case]) -> int:
    return sum(_tell_customer(improvement, case) for case in cases)


@transaction.atomic
def improvement_link_cases(*, improvement: Improvement, cases: Iterable[Case], by: User | None = None) -> int:
    """Link complaints to the improvement that answers them; returns how many were newly linked.

    Only the improvement's own organization's cases may be linked. A case linked to an
    improvement that is already done hears about it at once, like the others did.
    """
    cases = list(cases)
    foreign = [case for case in cases if case.organization_id != improvement.organization_id]
    if foreign:
        raise ValidationError(_("Only cases of the same organization can be linked."))
    already = set(improvement.links.values_list("case_id", flat=True))
    new = [case for case in {case.pk: case for case in cases}.values() if case.pk not in already]
    ImprovementCase.objects.bulk_create(
        [ImprovementCase(improvement=improvement, case=case, linked_by=by) for case in new], ignore_conflicts=True
    )
    if improvement.is_done:
        _tell_customers(improvement, new)
    return len(new)


@transaction.atomic
def improvement_unlink_case(*, improvement: Improvement, case: Case) -> bool:
    """Remove a wrongly linked case; a message already queued for it stays in the outbox."""
    deleted, _detail = ImprovementCase.objects.filter(improvement=improvement, case=case).delete()
    return bool(deleted)


@transaction.atomic
def improvement_complete(*, improvement: Improvement, by: User, what_changed: str) -> int:
    """Mark the improvement done and tell every linked customer, once, what changed thanks to them.

    Returns how many messages were queued now. Completing it again (a double click, a retry)
    queues nothing more: each message's outbox key names the improvement and the case.
    """
    locked = Improvement.objects.select_for_update().get(pk=improvement.pk)
    if not locked.is_done:
        what_changed = what_changed.strip()
        if not what_changed:
            raise ValidationError({"what_changed": _("Describe what changed: every linked customer will read it.")})
        locked.status, locked.what_changed = ImprovementStatus.DONE, what_changed
        locked.done_at, locked.done_by = timezone.now(), by
        locked.save(update_fields=["status", "what_changed", "done_at", "done_by"])
    cases = Case.objects.filter(improvement_links__improvement=locked).select_related("location", "organization")
    told = _tell_customers(locked, cases.order_by("pk"))
    improvement.refresh_from_db()
    return told


def _followup_link(invitation: Invitation) -> str:
    return site_url(organization=invitation.organization) + reverse("surveys:invitation", args=[invitation.token])


def recovery_followup_key(*, case: Case) -> str:
    return f"recovery:case:{case.pk}"


def _recovery_candidates(now: datetime):
    days = timedelta(days=recovery_followup_days())
    return (
        Case.objects.filter(
            step=Step.RESOLVED,
            resolved_at__lte=now - days,
            resolved_at__gte=now - days - RECOVERY_LATEST,
            response__isnull=False,
            response__survey__is_open=True,
            recovery_followup__isnull=True,
        )
        .exclude(customer_email="")
        .select_related("organization", "location", "response__survey", "response__touchpoint")
        .order_by("resolved_at", "pk")
    )


def _recovery_ask(case: Case, now: datetime) -> bool:
    address = customer_address(case=case)
    if address is None:
        return False
    response = case.response
    try:
        with transaction.atomic():
            # The one-to-one row is taken first: a second worker's insert fails and rolls back its invitation.
            followup = RecoveryFollowUp.objects.create(
                case=case, due_at=case.resolved_at + timedelta(days=recovery_followup_days())
            )
            invitation = Invitation.objects.create(
                organization=case.organization,
                survey=response.survey,
                touchpoint=response.touchpoint,
                customer_name=case.customer_name,
                customer_email=case.customer_email,
                language=case.language,
            )
            with translation.override(case.language):
                subject, body = render_customer_message(
                    organization=case.organization,
                    kind="recovery_followup",
                    language=case.language,
                    context={
                        "customer_name": case.customer_name or _("customer"),
                        "organization": case.organization.name,
                        "case_number": f"#{case.pk}",
                        "location": case.location.name,
                        "complaint": case.content,
                        "link": _followup_link(invitation),
                    },
                )
            outbox_enqueue(
                organization=case.organization,
                key=recovery_followup_key(case=case),
                recipient=address.recipient,
                subject=subject,
                body=body,
                kind="recovery_followup",
                case=case,
                channel=address.channel,
                customer=address.customer,
                address_language=case.language,
            )
            followup.invitation, followup.sent_at = invitation, now
            followup.save(update_fields=["invitation", "sent_at"])
    except IntegrityError:
        return False
    return True


def recovery_followups_due(*, now: datetime | None = None, limit: int = RECOVERY_BATCH) -> int:
    """Ask the same survey again of customers whose complaint was resolved N days ago (C9).

    N is OTKLIK_RECOVERY_FOLLOWUP_DAYS. Each case with a customer e-mail and an original
    answer gets one personal one-answer link, once; safe to run from several workers at once.
    Returns how many customers were asked now.
    """
    now = now or timezone.now()
    return sum(_recovery_ask(case, now) for case in _recovery_candidates(now)[:limit])


@transaction.atomic
def contact_attempt_record(
    *,
    case: Case,
    by: User,
    outcome: str,
    way: str = ContactWay.PHONE,
    note: str = "",
    callback_on: date | None = None,
) -> ContactAttempt:
    """Record a personal call or visit and its outcome.

    "Thanked" on a new case also takes the case's first step (thank), by phone or in person.
    """
    errors = {}
    if outcome not in ContactOutcome.values:
        errors["outcome"] = _("Choose how the contact went.")
    if way not in ContactWay.values:
        errors["way"] = _("Choose a phone call or a visit.")
    if outcome == ContactOutcome.CALL_BACK and callback_on is None:
        errors["callback_on"] = _("Say when to call back.")
    if callback_on is not None and callback_on < timezone.localdate():
        errors["callback_on"] = _("The call-back date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    attempt = ContactAttempt.objects.create(
        case=case,
        by=by,
        way=way,
        outcome=outcome,
        note=note.strip(),
        callback_on=callback_on if outcome == ContactOutcome.CALL_BACK else None,
    )
    if outcome == ContactOutcome.THANKED and case.step == Step.NEW:
        from otklik.cases.services import case_thank

        case_thank(case=case, by=by, via="phone" if way == ContactWay.PHONE else "in_person", note=note.strip())
    return attempt
