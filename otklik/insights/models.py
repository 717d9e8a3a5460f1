"""Loyalty-factor themes of an organization, and which answers carry them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.surveys.models import Response


class Department(models.Model):
    """A team that owns some themes (F1): its members get a weekly digest of what customers say about them."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="insight_departments", verbose_name=_("members")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A loyalty factor ("long queue"): found by discovery, then shaped by a manager.

    `keywords` is the engine's state for tagging: a list of [term, weight] pairs, where a
    term is a lemma or a lemma bigram and the strongest weight is 1.0. `labels` maps each
    lemma to the word people wrote, for showing key words. Pinned words always tag the
    theme; banned words never do. A theme a manager has touched is `is_manual` and
    survives rediscovery, which refines its key words instead. `profile` (term → weight)
    gives every answer its one primary theme as discovery grouped it; `outcomes` are the
    loyalty outcomes its answers state ("will come back"), shown apart from the causes;
    `is_mixed` marks a catch-all that is not one factor.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=200)
    keywords = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    pinned_keywords = models.JSONField(_("pinned key words"), default=list, blank=True)
    banned_keywords = models.JSONField(_("banned key words"), default=list, blank=True)
    is_manual = models.BooleanField(_("shaped by a manager"), default=False)
    profile = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)
    is_mixed = models.BooleanField(_("mixed"), default=False)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="themes",
        verbose_name=_("department"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_labels(self) -> list[str]:
        """Key words as people wrote them, strongest first."""
        from otklik.insights.engine import label_for

        return [label_for(term, self.labels) for term, _weight in self.keywords]


class AnswerTheme(models.Model):
    """One theme found in one answer; an answer may carry several."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="answer_themes")
    weight = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "theme"], name="answer_theme_unique")]


# `AnswerAnalysis.other_reason` of an answer a theme held when tagged (the "other" reasons are ≤ 0).
PLACED = 1


class AnswerAnalysis(models.Model):
    """What the engine read in an answer's comment: its language and whether it swears."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="analysis")
    language = models.CharField(max_length=5, blank=True)
    has_profanity = models.BooleanField(default=False)
    tagged_at = models.DateTimeField(auto_now=True)
    # The comment's words, written and dictionary forms, space-separated, and the language they were read in
    # (`text.name_words`): /people/ finds the names in praise here. NULL: tagged before they were stored.
    comment_words = models.TextField(null=True, blank=True)
    comment_language = models.CharField(max_length=5, blank=True)
    # Why no theme holds the answer, as the reserved theme id its "other" rollup rows carry (`rollups.models`'s
    # OTHER_LANGUAGE, OTHER_NO_WORDS, OTHER_NO_THEME); PLACED when a theme held it as tagged (its tags may since
    # have gone with a deleted theme: it waits for the re-tagging, it is not "other"); NULL when tagged before the
    # reason was kept. The reconciliation recounts the "other" rollups from it.
    other_reason = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        # Owners and managers always may; this lets an owner grant it to anyone else (D2).
        permissions = [("view_original_text", "Can see the original wording of answers with insults masked")]


class ThemeJob(models.Model):
    """A discovery or re-tagging run over an organization's answers, done by the worker.

    Kept so the themes page can say that one is under way and when the last one ended;
    a request while one of the same kind is still waiting reuses it.
    """

    class Kind(models.TextChoices):
        DISCOVER = "discover", _("Discovery")
        RETAG = "retag", _("Re-tagging")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="theme_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    k = models.PositiveSmallIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]


class ProfanityWord(models.Model):
    """A word the organization masks besides the shared lexicon (a local insult, a nickname for staff).

    Stored as the manager typed it; every form of it is masked (`otklik.insights.profanity`).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="profanity_words")
    word = models.CharField(_("word"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "word"], name="profanity_word_unique")]

    def __str__(self) -> str:
        return self.word
