"""Loyalty-factor themes of an organization, and which answers carry them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.surveys.models import Response


class Theme(models.Model):
    """A loyalty factor ("long queue"): found by discovery, then shaped by a manager.

    `keywords` is the engine's state for tagging: a list of [term, weight] pairs, where a
    term is a lemma or a lemma bigram and the strongest weight is 1.0. `labels` maps each
    lemma to the word people wrote, for showing key words. Pinned words always tag the
    theme; banned words never do. A theme a manager has touched is `is_manual` and
    survives rediscovery, which refines its key words instead.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=200)
    keywords = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    pinned_keywords = models.JSONField(_("pinned key words"), default=list, blank=True)
    banned_keywords = models.JSONField(_("banned key words"), default=list, blank=True)
    is_manual = models.BooleanField(_("shaped by a manager"), default=False)
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


class AnswerAnalysis(models.Model):
    """What the engine read in an answer's comment: its language and whether it swears."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="analysis")
    language = models.CharField(max_length=5, blank=True)
    has_profanity = models.BooleanField(default=False)
    tagged_at = models.DateTimeField(auto_now=True)
