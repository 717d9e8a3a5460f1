"""Message templates, the outbox every message goes through, and worker heartbeats."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization


class TemplateKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation to evaluate a purchase")
    CASE_THANK_YOU = "case_thank_you", _("Thank-you when a complaint is received")
    CASE_REPORT = "case_report", _("Report when a complaint is resolved")
    CASE_CANNOT_FIX = "case_cannot_fix", _("Honest answer when it cannot be fixed")
    IMPROVEMENT_DONE = "improvement_done", _("Thanks when an improvement their complaint led to is done")
    RECOVERY_FOLLOWUP = "recovery_followup", _("Asking again some days after a complaint is resolved")
    PRAISE_THANK_YOU = "praise_thank_you", _("Thanks for thanks: a reply to a customer's praise")
    PRAISE_TO_EMPLOYEE = "praise_to_employee", _("Praise forwarded to the employee it names")
    COMPLAINT_PRIZE = "complaint_prize", _("A prize for a useful complaint")


class MessageTemplate(models.Model):
    """A manager's edited version of a customer message; shipped defaults apply otherwise."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(max_length=30, choices=TemplateKind.choices)
    language = models.CharField(max_length=5)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "language"], name="template_unique_kind_language")
        ]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Not sent because the customer withdrew consent or the address proved invalid after it was queued.
    SUPPRESSED = "suppressed", _("Suppressed")


# The statuses the sweep and the health page look for by index; sent and suppressed messages are history.
UNFINISHED = [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.FAILED.value]


class OutboxMessage(models.Model):
    """One message to one recipient, written in the same transaction as its cause.

    `key` is unique: asking to send the same message twice finds the existing row.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="outbox")
    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=20, default="email")
    kind = models.CharField(max_length=30)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Most messages (invitations, digests) have no case: indexed only where set (Meta), so they add no entry.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    # Set for messages to a known customer: their consent and address are checked again right before sending.
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    headers = models.JSONField(default=dict, blank=True)  # extra e-mail headers (List-Unsubscribe)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Only the messages still to send or failed (the sweep's and the health page's): a status change to
            # sent or suppressed inserts no entry here, and the index stays the size of the backlog, not of the
            # history (decision 0081).
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_unfinished",
                condition=models.Q(status__in=UNFINISHED),
            ),
            models.Index(fields=["case"], name="outbox_case", condition=models.Q(case__isnull=False)),
        ]


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()


class AddressUnsubscribe(models.Model):
    """An address that asked to get no more customer messages by one channel.

    Customers in the customer base withdraw consent on their record; this also covers the e-mail a
    customer left only with a complaint (no record to hold their choice), and is checked before every
    customer message is sent, whoever it is addressed to.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="address_unsubscribes")
    channel = models.CharField(max_length=20)
    address = models.CharField(max_length=254)  # as the channel sends to it; e-mail lower-cased
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "address"], name="address_unsubscribe_unique_address"
            )
        ]
