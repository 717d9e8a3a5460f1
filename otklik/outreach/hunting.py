"""Hunting for complaints (B5): customers who went silent after an event get an invitation or an employee's call.

A rule reads "customers with event X and no answer, case or contact within N days".
A minute job looks at events whose N days have passed; each (rule, event) pair acts
once, because the match row is unique and is written in the same transaction as the
invitation or task it creates.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization, Role
from otklik.cases.models import Case
from otklik.customers.models import CustomerEvent
from otklik.improvements.models import ContactAttempt
from otklik.outreach.models import HuntAction, HuntMatch, HuntRule, OutreachTask, TaskStatus
from otklik.outreach.services import hunt_invitation_create
from otklik.surveys.models import Response, Survey

HUNT_BATCH = 500


def _silent_events(rule: HuntRule, now: datetime, covers_from: datetime | None = None):
    """The rule's events whose window has closed with no answer, case or contact from the customer since.

    Events before the rule's coverage are left alone: by default a new rule acts on what is to come,
    unless a manager applied it to the past (`hunt_rule_apply_to_past`). `covers_from` overrides the
    coverage for a preview.
    """
    window = timedelta(days=rule.within_days)
    customer, since = OuterRef("customer_id"), OuterRef("occurred_at")
    events = CustomerEvent.objects.filter(
        organization_id=rule.organization_id,
        name=rule.event_name,
        occurred_at__lte=now - window,
        occurred_at__gte=covers_from or rule.covered_since,
    ).exclude(Exists(HuntMatch.objects.filter(rule=rule, event=OuterRef("pk"))))
    events = (
        events.exclude(Exists(Response.objects.filter(customer_id=customer, created_at__gte=since)))
        .exclude(Exists(Case.objects.filter(customer_id=customer, created_at__gte=since)))
        .exclude(Exists(ContactAttempt.objects.filter(case__customer_id=customer, created_at__gte=since)))
    )
    if rule.contact_event_names:
        events = events.exclude(
            Exists(
                CustomerEvent.objects.filter(
                    customer_id=customer, name__in=rule.contact_event_names, occurred_at__gte=since
                )
            )
        )
    return events.order_by("occurred_at", "pk")


def hunt_rule_run(*, rule: HuntRule, now: datetime | None = None, limit: int = HUNT_BATCH) -> int:
    """Act on one rule's silent customers; returns how many actions were taken now."""
    now = now or timezone.now()
    acted = 0
    for event in _silent_events(rule, now)[:limit]:
        try:
            with transaction.atomic():
                match = HuntMatch.objects.create(rule=rule, event=event, customer_id=event.customer_id)
                if rule.action == HuntAction.TASK:
                    match.task = OutreachTask.objects.create(
                        organization_id=rule.organization_id,
                        customer_id=event.customer_id,
                        rule=rule,
                        event=event,
                        assignee=rule.assignee,
                        title=rule.name,
                    )
                else:
                    match.scheduled = hunt_invitation_create(
                        organization=rule.organization, customer_id=event.customer_id, survey=rule.survey, now=now
                    )
                match.save(update_fields=["task", "scheduled"])
        except IntegrityError:
            continue  # another worker acted on this event first
        acted += 1
    return acted


def _start_of_day(day: date, organization: Organization) -> datetime:
    return datetime.combine(day, time.min, tzinfo=organization.zone)


def _clean_since(rule: HuntRule, since: date | None, now: datetime) -> datetime:
    if since is None:
        raise ValidationError({"since": _("Give the date from which events count.")})
    if since > now.date():
        raise ValidationError({"since": _("The date cannot be in the future.")})
    return _start_of_day(since, rule.organization)


def hunt_rule_preview(*, rule: HuntRule, since: date | None, now: datetime | None = None) -> int:
    """How many customers the rule would reach at once if it covered events from `since` (nothing is changed)."""
    now = now or timezone.now()
    events = _silent_events(rule, now, covers_from=_clean_since(rule, since, now))
    return events.values("customer_id").distinct().count()


def hunt_rule_apply_to_past(*, rule: HuntRule, since: date | None, now: datetime | None = None) -> HuntRule:
    """Make the rule cover events from `since` on: the worker then acts on past silences too, once each.

    Events it already acted on are not acted on again (the match row is unique per rule and event).
    """
    rule.covers_from = _clean_since(rule, since, now or timezone.now())
    rule.save(update_fields=["covers_from"])
    return rule


def hunt_rules_run(*, now: datetime | None = None) -> int:
    """Every active rule of every organization (a worker minute job). Idempotent."""
    now = now or timezone.now()
    rules = HuntRule.objects.filter(is_active=True).select_related("organization", "survey", "assignee")
    return sum(hunt_rule_run(rule=rule, now=now) for rule in rules)


def _clean_rule(
    *,
    organization: Organization,
    name: str,
    event_name: str,
    within_days: int,
    contact_events: str,
    action: str,
    assignee: User | None,
    survey: Survey | None,
) -> dict:
    errors = {}
    name, event_name = name.strip(), event_name.strip()
    if not name:
        errors["name"] = _("Give the rule a name.")
    if not event_name:
        errors["event_name"] = _("Name the event, as the API sends it.")
    if not 1 <= within_days <= 365:
        errors["within_days"] = _("From 1 to 365 days.")
    if action not in HuntAction.values:
        errors["action"] = _("Choose an action.")
    if action == HuntAction.TASK and assignee is None:
        errors["assignee"] = _("Choose who gets the task.")
    if assignee is not None and not (
        Membership.objects.filter(organization=organization, user=assignee, is_active=True)
        .exclude(role=Role.VIEWER)
        .exists()
    ):
        errors["assignee"] = _("The task must go to a member of the organization who works with customers.")
    if survey is not None and survey.organization_id != organization.pk:
        errors["survey"] = _("Choose a survey of this organization.")
    names = [part.strip() for part in contact_events.split(",") if part.strip()]
    if event_name and event_name in names:
        errors["contact_events"] = _("The rule's own event cannot also count as contact.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:200],
        "event_name": event_name[:60],
        "within_days": within_days,
        "contact_events": ", ".join(names)[:300],
        "action": action,
        "assignee": assignee if action == HuntAction.TASK else None,
        "survey": survey if action == HuntAction.INVITATION else None,
    }


def hunt_rule_create(*, organization: Organization, **fields) -> HuntRule:
    """A new rule; it acts on events whose silence window closes from now on."""
    clean = _clean_rule(organization=organization, **fields)
    return HuntRule.objects.create(organization=organization, **clean)


def hunt_rule_update(*, rule: HuntRule, is_active: bool = True, **fields) -> HuntRule:
    """Change a rule; events it already acted on are not acted on again."""
    clean = _clean_rule(organization=rule.organization, **fields)
    for key, value in clean.items():
        setattr(rule, key, value)
    rule.is_active = is_active
    rule.save()
    return rule


@transaction.atomic
def task_complete(*, task: OutreachTask, by: User, note: str) -> OutreachTask:
    """Close a task with what came of the contact."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what came of it: it stays with the customer's history.")})
    updated = OutreachTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, note=note, done_at=timezone.now(), done_by=by
    )
    if not updated:
        raise ValidationError(_("This task is already done."))
    task.refresh_from_db()
    return task
