"""Complaint cases (C1) and the rules that open them from answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Organization, Role, Touchpoint
from otklik.surveys.kinds import CaseComparison
from otklik.surveys.models import Response, Survey


class CaseRule(models.Model):
    """Per survey: which scores open a case (defaults: NPS ≤ 6, CSAT ≤ 2, CES ≥ 5)."""

    Comparison = CaseComparison

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="case_rule")
    comparison = models.CharField(max_length=3, choices=Comparison.choices)
    threshold = models.SmallIntegerField()
    enabled = models.BooleanField(default=True)
    # Only an answer with words (a comment or an open answer) opens a case: a bare "no" gives nothing to act on.
    needs_text = models.BooleanField(default=False)

    def matches(self, score: int) -> bool:
        if not self.enabled:
            return False
        if self.comparison == self.Comparison.AT_MOST:
            return score <= self.threshold
        return score >= self.threshold


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Step(models.TextChoices):
    """The five steps of C2, in order; RESOLVED closes the loop."""

    NEW = "new", _("New")
    THANKED = "thanked", _("Thanked")
    APOLOGIZED = "apologized", _("Apologized")
    PROMISED = "promised", _("Fix promised")
    FIXED = "fixed", _("Fixed")
    RESOLVED = "resolved", _("Reported and resolved")


class ContactWay(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")
    # The channels an automatic message to the customer may go by (messaging.channels).
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")


class CaseSource(models.TextChoices):
    """Where the complaint came from: a survey answer, or recorded by hand from another channel."""

    SURVEY = "survey", _("Survey answer")
    HOTLINE = "hotline", _("Hotline call")
    PAPER_BOOK = "paper_book", _("Complaints book")
    VISIT = "visit", _("In person at a visit")
    REVIEW_SITE = "review_site", _("Review site")
    OTHER = "other", _("Other")


class CompensationKind(models.TextChoices):
    BONUS = "bonus", _("Bonus")
    COUPON = "coupon", _("Coupon code")
    AMOUNT = "amount", _("Amount of money")


class Case(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cases")
    response = models.OneToOneField(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="case")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="cases")
    touchpoint = models.ForeignKey(Touchpoint, null=True, blank=True, on_delete=models.SET_NULL)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    customer_name = models.CharField(_("from whom"), max_length=200, blank=True)
    customer_email = models.EmailField(_("customer e-mail"), blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=40, blank=True)
    language = models.CharField(max_length=5, default="en")
    content = models.TextField(_("content"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.NEW)
    planned_fix_date = models.DateField(_("planned fix date"), null=True, blank=True)

    thanked_at = models.DateTimeField(null=True, blank=True)
    thanked_via = models.CharField(_("thanked by"), max_length=12, choices=ContactWay.choices, blank=True)
    apology = models.TextField(_("apology"), blank=True)
    apologized_at = models.DateTimeField(null=True, blank=True)
    apology_via = models.CharField(_("apologized by"), max_length=12, choices=ContactWay.choices, blank=True)
    compensation = models.CharField(_("compensation offered"), max_length=300, blank=True)
    fix_promise = models.TextField(_("what we will fix"), blank=True)
    cannot_fix = models.BooleanField(_("cannot be fixed"), default=False)
    promised_at = models.DateTimeField(null=True, blank=True)
    promise_via = models.CharField(_("promised by"), max_length=12, choices=ContactWay.choices, blank=True)
    fix_description = models.TextField(_("what was done"), blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    report_sent_at = models.DateTimeField(_("fix report sent"), null=True, blank=True)
    report_via = models.CharField(_("report sent by"), max_length=12, choices=ContactWay.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    source = models.CharField(_("source"), max_length=20, choices=CaseSource.choices, default=CaseSource.SURVEY)
    # A case imported from a file keeps the file's id, so importing the same file twice adds nothing.
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    compensation_kind = models.CharField(
        _("kind of compensation"), max_length=10, choices=CompensationKind.choices, blank=True
    )
    compensation_amount = models.DecimalField(
        _("compensation amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    compensation_code = models.CharField(_("coupon code"), max_length=100, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)
    prize = models.CharField(_("prize for the complaint"), max_length=300, blank=True)
    prize_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prize_granted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "step", "created_at"]),
            # The cases of a period (the reports' medians, the reconciliation's months) without the step.
            models.Index(fields=["organization", "created_at"], name="case_org_created"),
            # A member's open cases, most urgent first, on `/` (sla.selectors.cases_held_by_urgency).
            models.Index(
                fields=["responsible"], condition=~models.Q(step=Step.RESOLVED), name="case_open_by_responsible"
            ),
            # The open cases of an organization, oldest first: `/`'s open-case count, holders, oldest cases and
            # SLA figures read only these, a few thousand where all time holds hundreds of thousands. It carries
            # what the count, the holders and the SLA card's open figures read (who may see a case, its clock),
            # so those are index-only scans that never visit the cases' rows (docs/decisions/0039).
            models.Index(
                fields=["organization", "created_at"],
                include=["id", "responsible", "location", "severity", "thanked_at", "step"],
                condition=~models.Q(step=Step.RESOLVED),
                name="case_open_by_org",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["organization", "external_id"], name="case_unique_external_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_name or '—'}"

    @property
    def is_open(self) -> bool:
        return self.step != Step.RESOLVED


class CaseEvent(models.Model):
    """The case's history: who did which step, when, with what note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    step = models.CharField(max_length=12, choices=Step.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CompensationLimit(models.Model):
    """The largest amount a member of this role may grant on their own; no amount means no limit."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="compensation_limits")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    max_amount = models.DecimalField(_("largest amount"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        # Moved from rules (docs/decisions/0017): the table keeps its name, only Django's bookkeeping moved.
        db_table = "rules_compensationlimit"
        constraints = [models.UniqueConstraint(fields=["organization", "role"], name="compensation_limit_unique_role")]
