"""Service levels for complaints (C7), who was told when one was missed, and how people want to be told."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.cases.models import Case, Severity


class SlaPolicy(models.Model):
    """How fast an organization answers and resolves a complaint of one severity.

    `segment` is blank for "any customer"; a segment-specific row will win over it
    once customers have segments.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sla_policies")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    segment = models.CharField(_("customer segment"), max_length=60, blank=True)
    first_answer_hours = models.PositiveIntegerField(_("first answer within, hours"))
    resolution_hours = models.PositiveIntegerField(_("resolution within, hours"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "severity", "segment"], name="sla_policy_unique_severity")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.severity}: {self.first_answer_hours}h / {self.resolution_hours}h"


class EscalationLevel(models.TextChoices):
    MANAGER = "manager", _("Managers")
    OWNER = "owner", _("Owners")


class EscalationReason(models.TextChoices):
    FIRST_ANSWER = "first_answer", _("No first answer in time")
    RESOLUTION = "resolution", _("Not resolved in time")


class Escalation(models.Model):
    """One missed deadline taken one level up; unique so that a second run alerts nobody."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=10, choices=EscalationLevel.choices)
    reason = models.CharField(max_length=20, choices=EscalationReason.choices)
    due_at = models.DateTimeField()
    notified = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level", "reason"], name="escalation_unique_level_reason")
        ]


class NotificationPreference(models.Model):
    """Where one member of one organization wants alerts and the daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.BooleanField(_("by e-mail"), default=True)
    telegram = models.BooleanField(_("by Telegram"), default=False)
    telegram_chat_id = models.CharField(_("Telegram chat id"), max_length=64, blank=True)
    daily_digest = models.BooleanField(_("daily digest"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="notification_preference_unique_member")
        ]
