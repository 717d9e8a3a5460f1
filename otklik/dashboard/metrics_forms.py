"""Filter forms of the metrics, people and report pages; every choice is scoped to the member."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Membership
from otklik.accounts.selectors import visible_locations
from otklik.dashboard.forms import PeriodFilterForm
from otklik.dashboard.metrics import BREAKDOWNS

EXPORT_CHOICES = [("", _("Page")), ("csv", "CSV"), ("xlsx", "XLSX")]
MIN_ANSWERS_DEFAULT = 5
MIN_ANSWERS_CEIL = 10_000


class MetricsFilterForm(PeriodFilterForm):
    """Breakdown, period, location, and an optional NPS comparison (with the previous period or a location)."""

    COMPARE_CHOICES = [
        ("", _("No comparison")),
        ("previous", _("With the previous period of the same length")),
        ("location", _("With another location")),
    ]

    by = forms.ChoiceField(label=_("Break down by"), choices=list(BREAKDOWNS.items()), required=False)
    compare = forms.ChoiceField(label=_("Compare NPS"), choices=COMPARE_CHOICES, required=False)
    compare_location = forms.ModelChoiceField(
        label=_("Other location"), queryset=None, required=False, empty_label=_("Choose")
    )
    export = forms.ChoiceField(choices=EXPORT_CHOICES, required=False, widget=forms.HiddenInput)

    field_order = ["by", "date_from", "date_to", "location", "compare", "compare_location"]

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, membership=membership, **kwargs)
        self.fields["compare_location"].queryset = visible_locations(membership=membership)

    def clean(self) -> dict:
        cleaned = super().clean()
        compare = cleaned.get("compare")
        if compare == "previous" and not (cleaned.get("date_from") and cleaned.get("date_to")):
            raise forms.ValidationError(_("To compare with the previous period, choose both ends of the period."))
        if compare == "location" and not cleaned.get("compare_location"):
            raise forms.ValidationError(_("Choose the location to compare with."))
        return cleaned


class PeopleFilterForm(PeriodFilterForm):
    """Period and location of the people page, and how many answers earn a place among the best."""

    min_answers = forms.IntegerField(
        label=_("Answers needed to be ranked"), required=False, min_value=1, max_value=MIN_ANSWERS_CEIL
    )
    export = forms.ChoiceField(choices=EXPORT_CHOICES, required=False, widget=forms.HiddenInput)


class ReportPeriodForm(forms.Form):
    """The report's month, written as 2026-11; the current month when left empty."""

    period = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("Write the month as YYYY-MM, for example 2026-11.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    def clean_period(self) -> datetime.date | None:
        value = self.cleaned_data.get("period")
        if not value:
            return None
        year, month = (int(part) for part in value.split("-"))
        if year < 2000:
            raise forms.ValidationError(_("Write the month as YYYY-MM, for example 2026-11."))
        return datetime.date(year, month, 1)
