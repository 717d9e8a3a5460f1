"""Reads: the organization's outreach settings, scheduled invitations, the manual queue, rules and tasks.

Every read takes the member's membership: managers, owners and viewers see the whole
organization, an employee sees the purchases of their own locations and their own tasks.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.utils import timezone

from otklik.accounts.models import Membership, Organization, Role
from otklik.customers.models import EvaluationMode, Product
from otklik.messaging.models import OutboxMessage
from otklik.outreach.models import (
    HuntRule,
    OutreachSettings,
    OutreachTask,
    ScheduledInvitation,
    ScheduledStatus,
)
from otklik.surveys.models import Survey


def outreach_settings(*, organization: Organization) -> OutreachSettings:
    """The organization's settings, or an unsaved row with the defaults."""
    found = OutreachSettings.objects.filter(organization=organization).select_related("default_touchpoint").first()
    return found or OutreachSettings(organization=organization)


def default_survey_for(*, organization: Organization, product: Product | None = None) -> Survey | None:
    """The survey a purchase of this product is asked with: the product's own, else the organization's default,
    else the organization's first open NPS survey (else any open survey of it).

    Every choice is checked to belong to the organization and be open: a survey of another organization is
    never asked, whatever a stale reference says (a bank's customer must not get an airline's question).
    """
    own = Survey.objects.filter(organization=organization, is_open=True)
    for chosen_id in (product.survey_id if product is not None else None, organization.default_survey_id):
        if chosen_id:
            chosen = own.filter(pk=chosen_id).first()
            if chosen is not None:
                return chosen
    return own.filter(kind="nps").order_by("pk").first() or own.order_by("pk").first()


def scheduled_visible(*, membership: Membership) -> QuerySet[ScheduledInvitation]:
    """Scheduled invitations the member may see (employees: purchases at their locations)."""
    found = ScheduledInvitation.objects.filter(organization=membership.organization)
    if not membership.sees_whole_organization:
        found = found.filter(purchase__location__members=membership)
    return found.select_related("customer", "purchase__product", "purchase__location", "decided_by")


def scheduled_list(*, membership: Membership, status: str = "") -> QuerySet[ScheduledInvitation]:
    found = scheduled_visible(membership=membership)
    if status:
        found = found.filter(status=status)
    return found.order_by("-updated_at", "-id")


def scheduled_counts(*, membership: Membership) -> dict[str, int]:
    """How many invitations are in each status, for the filter line of the outreach page."""
    rows = scheduled_visible(membership=membership).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def outbox_statuses(*, scheduled: list[ScheduledInvitation]) -> dict[int, OutboxMessage]:
    """The outbox message of each sent invitation on a page, by scheduled invitation id."""
    keys = {item.outbox_key: item.pk for item in scheduled if item.status == ScheduledStatus.SENT}
    return {keys[message.key]: message for message in OutboxMessage.objects.filter(key__in=list(keys))}


def scheduled_get(*, membership: Membership, scheduled_id: int) -> ScheduledInvitation | None:
    return scheduled_visible(membership=membership).filter(pk=scheduled_id).first()


def queue_waiting_date(*, membership: Membership) -> QuerySet[ScheduledInvitation]:
    """Manual-mode purchases asking "When should we ask for the evaluation?"."""
    return scheduled_visible(membership=membership).filter(status=ScheduledStatus.WAITING_DATE).order_by("created_at")


def queue_due(*, membership: Membership, now: datetime | None = None) -> QuerySet[ScheduledInvitation]:
    """Prepared letters whose day has come: the manager sends, edits or moves them."""
    return (
        scheduled_visible(membership=membership)
        .filter(mode=EvaluationMode.MANUAL, status=ScheduledStatus.SCHEDULED, send_at__lte=now or timezone.now())
        .order_by("send_at", "id")
    )


def queue_upcoming(*, membership: Membership, now: datetime | None = None) -> QuerySet[ScheduledInvitation]:
    return (
        scheduled_visible(membership=membership)
        .filter(mode=EvaluationMode.MANUAL, status=ScheduledStatus.SCHEDULED, send_at__gt=now or timezone.now())
        .order_by("send_at", "id")
    )


def suggested_day(scheduled: ScheduledInvitation):
    """The purchase date plus the product's delay, in the organization's time zone: what the date picker offers."""
    purchase = scheduled.purchase
    if purchase is None:
        return timezone.localdate(timezone=scheduled.organization.zone)
    moment = purchase.purchased_at + timedelta(days=purchase.product.evaluation_delay_days)
    today = timezone.localdate(timezone=scheduled.organization.zone)
    return max(moment.astimezone(scheduled.organization.zone).date(), today)


def hunt_rules(*, organization: Organization) -> QuerySet[HuntRule]:
    return (
        HuntRule.objects.filter(organization=organization)
        .select_related("assignee", "survey")
        .annotate(match_count=Count("matches"))
    )


def tasks_visible(*, membership: Membership, mine: bool = False, status: str = "") -> QuerySet[OutreachTask]:
    """Outreach tasks: an employee sees the tasks given to them; managers see all, or theirs with `mine`."""
    found = OutreachTask.objects.filter(organization=membership.organization)
    if mine or not membership.sees_whole_organization:
        found = found.filter(assignee=membership.user)
    if status:
        found = found.filter(status=status)
    return found.select_related("customer", "event", "rule", "assignee", "done_by")


def members_for_tasks(*, organization: Organization):
    """Members who can work a task (not viewers), as users."""
    workers = Membership.objects.filter(organization=organization, is_active=True).exclude(role=Role.VIEWER)
    return User.objects.filter(is_active=True, memberships__in=workers).order_by("username")
