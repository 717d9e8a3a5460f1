"""Systemic improvements (C6), loyalty measured again after recovery (C9), personal contacts (C3)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.cases.models import Case
from otklik.surveys.models import Invitation


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Improvement(models.Model):
    """A fix at the system level that answers many complaints at once ("fix once, tell everyone")."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="improvements")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.PLANNED
    )
    # What customers are told when it is done; kept so that a case linked later hears the same words.
    what_changed = models.TextField(_("what changed"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cases = models.ManyToManyField(Case, through="ImprovementCase", related_name="improvements", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == ImprovementStatus.DONE

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_date is not None and self.due_date < timezone.localdate()


class ImprovementCase(models.Model):
    """One complaint an improvement answers."""

    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="improvement_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["improvement", "case"], name="improvement_case_unique")]


class RecoveryFollowUp(models.Model):
    """The same question asked again some days after a complaint was resolved (C9).

    One per case (the one-to-one is what makes two workers unable to ask twice).
    `sent_at` is when the invitation was queued in the outbox, which delivers it.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="recovery_followup")
    due_at = models.DateTimeField()
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="recovery_followup"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ContactWay(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the customer")
    THANKED = "thanked", _("Thanked the customer")
    AGREED = "agreed", _("Agreed on a solution")
    CALL_BACK = "call_back", _("Call back later")


class ContactAttempt(models.Model):
    """A personal call or visit to the customer of a case, and how it went (C3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_attempts")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    way = models.CharField(_("way"), max_length=10, choices=ContactWay.choices, default=ContactWay.PHONE)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    callback_on = models.DateField(_("call back on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
