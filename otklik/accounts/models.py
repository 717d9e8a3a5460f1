"""Organizations (tenants), the people in them and the places customers meet them."""

import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_public_key() -> str:
    """A short unguessable key for public URLs (survey links, QR codes)."""
    return secrets.token_urlsafe(8)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    default_language = models.CharField(_("default language"), max_length=5, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # ISO 4217; the reporting currency, and the currency of imported amounts that name none.
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    # Where customers reach this organization's Otklik; empty means OTKLIK_SITE_URL.
    site_url = models.URLField(_("site URL"), blank=True)
    # Answers' free text and personal data older than this are removed; 0 keeps them.
    data_retention_days = models.PositiveIntegerField(_("data retention, days"), default=0)
    # Asked of a purchase whose product has no survey of its own.
    default_survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("default survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The time zone every time is shown in and days and months are counted in; UTC when the name is unknown.

        A bad name (typed in the admin, or a zone the system's tz database lacks) falls back to UTC
        rather than breaking a page or the worker.
        """
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    EMPLOYEE = "employee", _("Employee")
    VIEWER = "viewer", _("Viewer")


class Location(models.Model):
    """A store, a branch, an office: somewhere a customer meets the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_for_locations",
    )
    # Public review pages a promoter is invited to (thank-you page, thank-you message).
    review_url_yandex = models.URLField(_("Yandex Maps review page"), blank=True)
    review_url_2gis = models.URLField(_("2GIS review page"), blank=True)
    review_url_google = models.URLField(_("Google review page"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="location_unique_name")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization; employees see only their locations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EMPLOYEE)
    locations = models.ManyToManyField(Location, blank=True, related_name="members")
    # The language of this person's interface, alerts and digests; empty means the organization's.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    # A deactivated member keeps their history but cannot log in to this organization or use its tokens.
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def sees_whole_organization(self) -> bool:
        return self.role in {Role.OWNER, Role.MANAGER, Role.VIEWER}

    @property
    def can_manage(self) -> bool:
        return self.role in {Role.OWNER, Role.MANAGER}

    @property
    def can_work_cases(self) -> bool:
        return self.role != Role.VIEWER


class TouchpointKind(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    CALL_CENTRE = "call_centre", _("Call centre")
    DELIVERY = "delivery", _("Delivery")
    WEBSITE = "website", _("Website")
    EMPLOYEE = "employee", _("Employee")
    OTHER = "other", _("Other")


class Touchpoint(models.Model):
    """A point of contact inside a location; every answer knows its touchpoint (A6)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="touchpoints")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="touchpoints")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TouchpointKind.choices)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("For an employee touchpoint: whose QR code this is."),
    )
    public_key = models.CharField(max_length=20, unique=True, default=new_public_key, editable=False)

    class Meta:
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return f"{self.location.name} · {self.name}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="api")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.organization})"


class MemberInvitation(models.Model):
    """An invitation to join an organization, sent by e-mail; only the link's SHA-256 is stored.

    A link works once, until it expires; resending replaces the link, so an older e-mail stops working.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="member_invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.EMPLOYEE)
    locations = models.ManyToManyField(Location, blank=True, related_name="+", verbose_name=_("locations"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "email"], name="member_invitation_org_email")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None
