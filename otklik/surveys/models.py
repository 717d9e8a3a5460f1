"""Surveys, invitations and the answers customers give."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Organization, Touchpoint, new_public_key
from otklik.surveys.kinds import KIND_CHOICES, KINDS, SurveyKind, praise_q


class Survey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="surveys")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    is_open = models.BooleanField(_("open for answers"), default=True)
    comment_required = models.BooleanField(_("comment required"), default=False)
    # A survey made from a built-in template with its own texts (see presets.py), e.g. the product letter.
    template = models.CharField(max_length=30, blank=True, default="")
    public_key = models.CharField(max_length=20, unique=True, default=new_public_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> SurveyKind:
        return KINDS[self.kind]


def new_invitation_token() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """A personal one-answer link sent to one customer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=40, unique=True, default=new_invitation_token, editable=False)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    language = models.CharField(max_length=5, blank=True)
    # Set when the invitation was sent to a known customer about a purchase (B2, B3).
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    purchase = models.ForeignKey(
        "customers.Purchase", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)


class Source(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo dataset")


class Response(models.Model):
    """One customer's answer: a score, the "why", and where it was given."""

    # No index of its own: every index below that starts with the organization serves its lookups, and
    # each index is one more entry written per stored answer (decision 0038).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="responses", db_index=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="responses")
    # Denormalized from the touchpoint so dashboards and scoping need no join.
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    score = models.SmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    second_answer = models.TextField(blank=True)
    language = models.CharField(max_length=5, blank=True)
    customer_name = models.CharField(_("name"), max_length=200, blank=True)
    customer_email = models.EmailField(_("e-mail"), blank=True)
    customer_phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The customer's consent to be contacted with the contact they left: when, and which text they agreed to.
    contact_consent_at = models.DateTimeField(null=True, blank=True)
    contact_consent_version = models.CharField(max_length=40, blank=True)
    # A promoter who followed the thank-you page's invitation to review in public: where, and when first.
    review_site = models.CharField(max_length=10, blank=True)
    review_clicked_at = models.DateTimeField(null=True, blank=True)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    # The customer who answered: from a personal link, or matched by e-mail/phone (D3).
    # Indexed only where set (Meta.indexes): most answers have neither, and a partial index skips them on insert.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
        db_index=False,
    )
    purchase = models.ForeignKey(
        "customers.Purchase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
        db_index=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    # Set by integrations and the demo loader so a repeated push changes nothing.
    external_id = models.CharField(max_length=100, null=True, blank=True)
    # True when the score was derived (e.g. from a dataset's sentiment label), not given.
    score_is_derived = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    # Stored by the public page with its rules, case, alerts and tagging still to run: the worker runs them
    # right after the commit and clears this in the same transaction (intake.answers.answers_process_pending).
    # A database default, so adding the column rewrites no existing answer.
    rules_pending = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Only answers an integration pushed have an external id; NULLs never conflict, so leaving them out
            # of the index changes no uniqueness, and the public page's anonymous answer writes one entry less.
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                name="response_unique_external_id",
                condition=models.Q(external_id__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "created_at"]),
            models.Index(fields=["organization", "location", "created_at"]),
            # The overview counts review clicks of a period: a few answers among millions, read from here.
            models.Index(
                fields=["organization", "created_at"],
                name="response_review_clicks",
                condition=models.Q(review_clicked_at__isnull=False),
            ),
            # Answers tied to a purchase: the only ones /metrics/ and /people/ read beside the rollups
            # (the purchase's seller and product are not in the rollups).
            models.Index(
                fields=["organization", "created_at"],
                name="response_with_purchase",
                condition=models.Q(purchase__isnull=False),
            ),
            # Only the few answers the worker has yet to process: the worker's poll reads this tiny index.
            models.Index(fields=["id"], condition=models.Q(rules_pending=True), name="response_rules_pending"),
            # A customer's and a purchase's answers (the customer card, erasure, SET_NULL on delete): an
            # anonymous answer has neither, so these indexes hold only the answers that have one.
            models.Index(fields=["customer"], condition=models.Q(customer__isnull=False), name="response_customer"),
            models.Index(fields=["purchase"], condition=models.Q(purchase__isnull=False), name="response_purchase"),
            # Praise with a comment, newest first: /people/ reads the newest few thousand of a period for the names
            # they mention (dashboard.people.praise_names) without reading the period's other answers.
            models.Index(
                fields=["organization", "created_at", "id"],
                name="response_praise_comments",
                condition=praise_q() & ~models.Q(comment=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score} @ {self.touchpoint_id}"


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score on a scale")
    TEXT = "text", _("Open text")
    SINGLE = "single", _("One choice")
    MULTI = "multi", _("Several choices")
    YESNO = "yesno", _("Yes or no")


class SurveyQuestion(models.Model):
    """A question asked after the survey's own score and "why" (which stay on `Response`).

    Its text is either the manager's words (`text`) or a built-in text (`text_key`) that
    speaks the customer's language. `show_min`/`show_max` show it only for some scores.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind of question"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300, blank=True)
    text_key = models.CharField(max_length=60, blank=True)
    # For a score question: which survey kind's scale it uses (nps, csat, ces, grade).
    scale = models.CharField(_("scale"), max_length=20, choices=KIND_CHOICES, blank=True)
    options = models.JSONField(_("choices"), default=list, blank=True)
    show_min = models.SmallIntegerField(_("show from score"), null=True, blank=True)
    show_max = models.SmallIntegerField(_("show up to score"), null=True, blank=True)
    required = models.BooleanField(_("answer required"), default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The question in the active language."""
        from otklik.surveys.presets import builtin_text

        return builtin_text(self.text_key) if self.text_key else self.text

    def shown_for(self, score: int | None) -> bool:
        """Whether the question applies to an answer with this score (no score: shown)."""
        if score is None:
            return True
        if self.show_min is not None and score < self.show_min:
            return False
        return not (self.show_max is not None and score > self.show_max)


class QuestionAnswer(models.Model):
    """One answer to one extra question; the label is kept as the customer saw it, should the question go."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        SurveyQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    label = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def value(self) -> str:
        """The answer as a person reads it."""
        if self.kind == QuestionKind.YESNO:
            return str(_("Yes")) if self.number else str(_("No"))
        if self.kind == QuestionKind.SCORE:
            return "" if self.number is None else str(self.number)
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            return ", ".join(self.choices)
        return self.text
