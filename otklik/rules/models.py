"""Rules a manager edits: when an answer or a new case matches, what happens (open, assign, notify, reply).

Also the compensation limits per role (F3): how much a member may grant on their own.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Organization, Touchpoint
from otklik.messaging.models import TemplateKind
from otklik.surveys.models import Survey


class Trigger(models.TextChoices):
    ANSWER = "answer", _("An answer is received")
    CASE_OPENED = "case_opened", _("A case is opened (from any source)")


class ScoreBand(models.TextChoices):
    ANY = "", _("Any score")
    COMPLAINT = "complaint", _("A complaint: the survey's own case threshold matches")
    PRAISE = "praise", _("Praise: the top of the survey's scale")


class AssignMode(models.TextChoices):
    RESPONSIBLE = "responsible", _("The location's responsible person")
    PERSON = "person", _("One person")
    TEAM = "team", _("A team, in turn (round robin)")


class Rule(models.Model):
    """One rule: conditions (all must hold; an empty one holds always) and the actions to take.

    `key` marks the rules shipped by default, so that they are created once per organization.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField(max_length=40, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    trigger = models.CharField(_("when"), max_length=20, choices=Trigger.choices, default=Trigger.ANSWER)

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), null=True, blank=True, on_delete=models.CASCADE)
    kinds = models.JSONField(_("survey kinds"), default=list, blank=True)
    band = models.CharField(_("score band"), max_length=10, choices=ScoreBand.choices, blank=True, default="")
    score_min = models.SmallIntegerField(_("lowest score"), null=True, blank=True)
    score_max = models.SmallIntegerField(_("highest score"), null=True, blank=True)
    touchpoint = models.ForeignKey(
        Touchpoint, verbose_name=_("touchpoint"), null=True, blank=True, on_delete=models.CASCADE
    )
    location = models.ForeignKey(Location, verbose_name=_("location"), null=True, blank=True, on_delete=models.CASCADE)
    # One or more customer segments (RFM labels such as "at_risk"), separated by commas: any of them matches.
    segment = models.CharField(_("customer segments"), max_length=100, blank=True)
    tags = models.ManyToManyField("customers.Tag", verbose_name=_("customer tags"), blank=True, related_name="rules")
    words = models.CharField(_("words in the comment"), max_length=500, blank=True)
    needs_comment = models.BooleanField(_("only answers with a comment"), default=False)
    needs_customer_email = models.BooleanField(_("only when the customer left an e-mail"), default=False)
    names_employee = models.BooleanField(_("only when the comment names an employee"), default=False)
    # A condition on the answer to one of a survey's extra questions; `answer_value` empty means "any answer".
    question = models.ForeignKey(
        "surveys.SurveyQuestion", verbose_name=_("question"), null=True, blank=True, on_delete=models.SET_NULL
    )
    answer_value = models.CharField(_("answer"), max_length=200, blank=True)

    open_case = models.BooleanField(_("open a case"), default=False)
    assign_mode = models.CharField(
        _("assign to"), max_length=12, choices=AssignMode.choices, default=AssignMode.RESPONSIBLE
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("team"), blank=True, related_name="+")
    notify = models.BooleanField(_("notify the assignee by e-mail"), default=False)
    send_template = models.CharField(
        _("send the customer a message"), max_length=30, choices=TemplateKind.choices, blank=True
    )
    bonus = models.CharField(_("bonus granted"), max_length=200, blank=True)
    forward_to_named = models.BooleanField(_("send the praise to the employees it names"), default=False)
    stop_processing = models.BooleanField(_("stop here: no later rule runs"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], condition=~Q(key=""), name="rule_unique_key")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def word_list(self) -> list[str]:
        return [word.strip() for word in self.words.split(",") if word.strip()]

    @property
    def segment_list(self) -> list[str]:
        return [segment.strip() for segment in self.segment.split(",") if segment.strip()]


class RuleRun(models.Model):
    """One rule applied to one answer or case: what it did, or why it failed (shown on /rules/)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rule_runs")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    response = models.ForeignKey("surveys.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "ok", "created_at"])]
