"""Forms of the team and settings pages; the rules themselves are in accounts.services."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Membership, Organization, Role
from otklik.accounts.services import validate_currency, validate_time_zone
from otklik.insights.models import Department
from otklik.surveys.models import Survey

LOGO_MAX_BYTES = 512 * 1024
# The first bytes of the image formats a browser shows everywhere; SVG is left out (it may carry scripts).
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}


def _role_choices(by: Membership) -> list[tuple[str, str]]:
    """Managers cannot make owners."""
    return [(value, label) for value, label in Role.choices if value != Role.OWNER or by.role == Role.OWNER]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), initial=Role.EMPLOYEE)
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations (for an employee: the stores whose cases they see)"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization: Organization, by: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(by)
        self.fields["locations"].queryset = Location.objects.filter(organization=organization)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations"), queryset=Location.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organization: Organization, by: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(by)
        self.fields["locations"].queryset = Location.objects.filter(organization=organization)
        self.fields["departments"].queryset = Department.objects.filter(organization=organization)


def _https_by_default(field, **kwargs):
    """A web address typed without a scheme is taken as https (Django 6's default, chosen now)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        formfield_callback = _https_by_default
        fields = [
            "name",
            "logo",
            "default_language",
            "time_zone",
            "currency",
            "site_url",
            "default_survey",
            "data_retention_days",
        ]
        help_texts = {
            "time_zone": _("An IANA name, e.g. Europe/Moscow, Europe/Kyiv."),
            "currency": _("ISO 4217 code of the reporting currency, e.g. RUB, UAH, EUR."),
            "site_url": _("Where customers reach Otklik (QR codes, links in e-mails); empty: the server's setting."),
            "default_survey": _("Asked after a purchase whose product has no survey of its own."),
            "data_retention_days": _(
                "Answers' free text and contacts, and audit records, older than this are removed; 0 keeps them."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_language"].choices = settings.LANGUAGES
        self.fields["default_survey"].queryset = Survey.objects.filter(organization=self.instance)
        self.fields["logo"].widget = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})

    def clean_time_zone(self):
        return validate_time_zone(self.cleaned_data["time_zone"])

    def clean_currency(self):
        return validate_currency(self.cleaned_data["currency"])

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or logo == self.instance.logo:
            return logo
        if logo.size > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo must be at most 512 KB."))
        head = logo.read(12)
        logo.seek(0)
        kind = next((kind for sig, kind in LOGO_SIGNATURES.items() if head.startswith(sig)), None)
        if kind == "webp" and head[8:12] != b"WEBP":
            kind = None
        if kind is None:
            raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."))
        logo.name = f"{self.instance.slug}.{kind}"
        return logo


class LocationLinksForm(forms.ModelForm):
    class Meta:
        model = Location
        formfield_callback = _https_by_default
        fields = ["review_url_yandex", "review_url_2gis", "review_url_google"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The inputs sit in a table without <label>s: each names its site and location for a screen reader.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} · {self.instance.name}"


LocationLinksFormSet = forms.modelformset_factory(Location, form=LocationLinksForm, extra=0)
