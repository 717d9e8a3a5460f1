"""Forms for the SLA policy table and a member's notification settings."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from otklik.cases.models import Severity
from otklik.sla.models import NotificationPreference, SlaPolicy
from otklik.sla.services import TELEGRAM_CHAT_ID, sla_policy_validate


class SlaPoliciesForm(forms.Form):
    """Two numbers per severity: hours to the first answer and to resolution."""

    def __init__(self, *args, policies: dict[str, SlaPolicy], **kwargs):
        super().__init__(*args, **kwargs)
        self.severities = list(policies)
        for severity, policy in policies.items():
            label = Severity(severity).label
            first_label = _("%(severity)s: first answer within, hours") % {"severity": label}
            resolution_label = _("%(severity)s: resolution within, hours") % {"severity": label}
            # The table's headers say what each column is; the label is for screen readers.
            self.fields[f"{severity}_first"] = forms.IntegerField(
                label=first_label,
                widget=forms.NumberInput(attrs={"aria-label": first_label}),
                min_value=1,
                max_value=24 * 365,
                initial=policy.first_answer_hours,
            )
            self.fields[f"{severity}_resolution"] = forms.IntegerField(
                label=resolution_label,
                widget=forms.NumberInput(attrs={"aria-label": resolution_label}),
                min_value=1,
                max_value=24 * 365,
                initial=policy.resolution_hours,
            )

    def rows(self):
        """(severity label, first-answer field, resolution field) for the table."""
        return [
            (Severity(severity).label, self[f"{severity}_first"], self[f"{severity}_resolution"])
            for severity in self.severities
        ]

    def clean(self):
        cleaned = super().clean()
        for severity in self.severities:
            first, resolution = cleaned.get(f"{severity}_first"), cleaned.get(f"{severity}_resolution")
            if first is None or resolution is None:
                continue
            try:
                sla_policy_validate(first_answer_hours=first, resolution_hours=resolution)
            except ValidationError as exc:
                self.add_error(f"{severity}_resolution", exc)
        return cleaned

    def hours(self) -> dict[str, tuple[int, int]]:
        return {
            severity: (self.cleaned_data[f"{severity}_first"], self.cleaned_data[f"{severity}_resolution"])
            for severity in self.severities
        }


class SlaSegmentPolicyForm(forms.Form):
    """A policy for one severity of one customer segment (an RFM segment such as "at_risk")."""

    segment = forms.CharField(
        label=_("Customer segment"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "known-segments", "autocomplete": "off"}),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    first_answer_hours = forms.IntegerField(label=_("First answer within, hours"), min_value=1, max_value=24 * 365)
    resolution_hours = forms.IntegerField(label=_("Resolution within, hours"), min_value=1, max_value=24 * 365)


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "telegram", "telegram_chat_id", "daily_digest"]
        help_texts = {
            "telegram_chat_id": _(
                "Start a chat with the organization's Telegram bot, then paste your numeric chat id here."
            ),
            "daily_digest": _("Every morning: new complaints, what is still open and what is past its deadline."),
        }

    language = forms.ChoiceField(
        label=_("Language of alerts, digests and this interface"),
        required=False,
        help_text=_("Empty: the organization's language."),
    )

    def __init__(self, *args, show_digest: bool, language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The organization's language")), *settings.LANGUAGES]
        self.fields["language"].initial = language
        if not show_digest:
            del self.fields["daily_digest"]

    def clean_telegram_chat_id(self) -> str:
        value = self.cleaned_data["telegram_chat_id"].strip()
        if value and not TELEGRAM_CHAT_ID.match(value):
            raise ValidationError(_("A Telegram chat id is a number, such as 123456789, or a @channel name."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("telegram") and not cleaned.get("telegram_chat_id") and "telegram_chat_id" not in self.errors:
            self.add_error("telegram_chat_id", _("Give your Telegram chat id to get alerts by Telegram."))
        if not cleaned.get("email") and not cleaned.get("telegram"):
            raise ValidationError(_("Choose at least one channel: an alert nobody receives helps no customer."))
        return cleaned
