"""Asking at the right moment: scheduled invitations (B2, B3), hunting rules and their tasks (B5)."""

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization, Touchpoint
from otklik.customers.models import Customer, CustomerEvent, EvaluationMode, Purchase
from otklik.surveys.models import Invitation, Survey


class OutreachSettings(models.Model):
    """The organization's rules for when a customer may be asked; an organization without a row uses the defaults."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="outreach_settings")
    quiet_from = models.TimeField(_("quiet hours from"), default=time(21, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=time(9, 0))
    min_days_between = models.PositiveSmallIntegerField(_("at most one invitation per customer in (days)"), default=30)
    expire_after_days = models.PositiveSmallIntegerField(_("give up after (days past due)"), default=14)
    # Answers to an invitation are counted at a touchpoint; the purchase's location decides when it has one.
    default_touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint for invitations"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)


class Origin(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    HUNT = "hunt", _("Hunting rule")


class ScheduledStatus(models.TextChoices):
    WAITING_DATE = "waiting_date", _("Waiting for a date")
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    EXPIRED = "expired", _("Expired")
    SUPPRESSED = "suppressed", _("Suppressed by frequency")
    NO_CONSENT = "no_consent", _("No consent")
    NO_CHANNEL = "no_channel", _("No channel")
    NOT_SENT = "not_sent", _("Not sent")
    CANCELLED = "cancelled", _("Not asked")


class ScheduledInvitation(models.Model):
    """One planned invitation: for one purchase (unique), or for one hunting-rule match.

    `due_at` is the moment planned (purchase + delay, or the manager's day) and counts for
    expiry; `send_at` is when the dispatcher next tries, moved by quiet hours.
    """

    # No index of its own: (organization, status, send_at) leads with it (ADR 0007).
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scheduled_invitations", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="scheduled_invitations")
    purchase = models.OneToOneField(
        Purchase, null=True, blank=True, on_delete=models.CASCADE, related_name="scheduled_invitation"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.PURCHASE)
    mode = models.CharField(max_length=10, choices=EvaluationMode.choices, default=EvaluationMode.AUTOMATIC)
    status = models.CharField(
        _("status"), max_length=12, choices=ScheduledStatus.choices, default=ScheduledStatus.SCHEDULED
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    send_at = models.DateTimeField(null=True, blank=True)
    # Set only once sent (or by a hunting rule): indexed partially below.
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled"
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        indexes = [
            # The dispatcher's due rows and the manual letters' expiry: only the scheduled ones. Dispatching changes
            # the status (not a HOT update), and a sent, suppressed or expired row then adds no entry here; the
            # index stays the size of what is waiting, not of every invitation ever sent (decision 0081).
            models.Index(fields=["mode", "send_at"], name="scheduled_due", condition=Q(status="scheduled")),
            models.Index(fields=["organization", "status", "send_at"]),
            # Mostly empty foreign keys: partial, so that an invitation scheduled without them
            # costs no index entry, while deleting a survey or a user still finds its rows.
            models.Index(fields=["survey"], name="scheduled_survey", condition=Q(survey__isnull=False)),
            models.Index(fields=["decided_by"], name="scheduled_decided_by", condition=Q(decided_by__isnull=False)),
        ]

    @property
    def outbox_key(self) -> str:
        return f"outreach:invitation:{self.pk}"

    @property
    def awaits_confirmation(self) -> bool:
        """A manual invitation whose day has come: the prepared letter waits for the manager."""
        return (
            self.mode == EvaluationMode.MANUAL
            and self.status == ScheduledStatus.SCHEDULED
            and self.send_at is not None
            and self.send_at <= timezone.now()
        )


class HuntAction(models.TextChoices):
    INVITATION = "invitation", _("Send an invitation")
    TASK = "task", _("Give an employee a task")


class HuntRule(models.Model):
    """ "Customers with event X and no answer, case or contact within N days → an invitation or a task" (B5)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="hunt_rules")
    name = models.CharField(_("name"), max_length=200)
    event_name = models.CharField(_("event"), max_length=60, help_text=_("As the API sends it, e.g. trial_started."))
    within_days = models.PositiveSmallIntegerField(_("silence for (days)"), default=7)
    contact_events = models.CharField(
        _("events that count as contact"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. support_ticket, support_call."),
    )
    action = models.CharField(_("action"), max_length=12, choices=HuntAction.choices, default=HuntAction.TASK)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("task for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Applied to the past: events from this moment are covered. Empty: only events whose silence
    # ends after the rule was created (a new rule acts on what is to come).
    covers_from = models.DateTimeField(_("covers events from"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def covered_since(self):
        """The earliest event the rule acts on."""
        return self.covers_from or self.created_at - timedelta(days=self.within_days)

    @property
    def contact_event_names(self) -> list[str]:
        return [name.strip() for name in self.contact_events.split(",") if name.strip()]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class OutreachTask(models.Model):
    """A to-do for an employee: contact this customer, who went silent after an event."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="outreach_tasks")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="outreach_tasks")
    rule = models.ForeignKey(HuntRule, null=True, on_delete=models.SET_NULL, related_name="tasks")
    event = models.ForeignKey(CustomerEvent, null=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach_tasks"
    )
    title = models.CharField(_("task"), max_length=300)
    status = models.CharField(_("status"), max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    note = models.TextField(_("what came of it"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-created_at", "-id"]


class HuntMatch(models.Model):
    """One rule firing for one event: the unique pair is what makes the minute job act once."""

    rule = models.ForeignKey(HuntRule, on_delete=models.CASCADE, related_name="matches")
    event = models.ForeignKey(CustomerEvent, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    scheduled = models.OneToOneField(
        ScheduledInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="hunt_match"
    )
    task = models.OneToOneField(OutreachTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="match")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "event"], name="hunt_match_unique_rule_event")]
