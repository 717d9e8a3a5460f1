"""The public complaint book (E1) and "You said, we did" stories (E2).

Every text here has been through `redaction.redact` before it was saved: the services are
the only writers, so a moderator never sees, and a public page never shows, the raw complaint.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.cases.models import Case

COMPLAINT_MAX_LENGTH = 2000
RESPONSE_MAX_LENGTH = 2000
LABEL_MAX_LENGTH = 200
STORY_TITLE_MAX_LENGTH = 120
STORY_TEXT_MAX_LENGTH = 1200  # a story must fit on an A6 leaflet


class BookEntry(models.Model):
    """One page of the complaint book: the complaint, who took it and what was done."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="book_entries")
    # Erasing a case (a customer's request) erases its public entry too.
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="book_entry")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    complaint_text = models.TextField(_("you told us"))
    response_text = models.TextField(_("what was done"))
    assigned_label = models.CharField(_("who took it"), max_length=LABEL_MAX_LENGTH)
    language = models.CharField(max_length=5, default="en")
    received_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "published_at"])]
        verbose_name = _("complaint book entry")
        verbose_name_plural = _("complaint book entries")

    def __str__(self) -> str:
        return f"#{self.case_id} ({self.status})"


class Story(models.Model):
    """A "You said, we did" story for the site, e-mails and printed leaflets."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="stories")
    title = models.CharField(_("title"), max_length=STORY_TITLE_MAX_LENGTH)
    you_said = models.TextField(_("you said"))
    we_did = models.TextField(_("we did"))
    cases = models.ManyToManyField(Case, blank=True, related_name="stories", verbose_name=_("cases"))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return self.title


class BookSettings(models.Model):
    """Per organization: its own @handles, which stay visible on public pages."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="book_settings")
    allowed_handles = models.CharField(
        _("our own @handles"),
        max_length=500,
        blank=True,
        help_text=_("Separated by spaces or commas, e.g. @acme @acme_help. Every other @handle is hidden."),
    )

    def handles(self) -> list[str]:
        return [h.lstrip("@").lower() for h in self.allowed_handles.replace(",", " ").split() if h.strip("@")]
