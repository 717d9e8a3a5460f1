"""Forms for improvements, linking cases, completing, and recording a personal contact."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.improvements.models import ContactOutcome, ContactWay, ImprovementStatus
from otklik.insights.profanity import masked


class DateInput(forms.DateInput):
    input_type = "date"


class ImprovementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(ImprovementStatus.PLANNED, ImprovementStatus.PLANNED.label)]
        + [(ImprovementStatus.IN_PROGRESS, ImprovementStatus.IN_PROGRESS.label)],
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


_NUMBER = re.compile(r"\d+")


def _case_label(case) -> str:
    # Shown to everyone who links cases: insults masked, like the improvement's case list (D2).
    return f"#{case.pk} · {case.location.name} · {masked(case.content, case.organization_id)[:80]}"


class LinkCasesForm(forms.Form):
    numbers = forms.CharField(
        label=_("Case numbers"),
        required=False,
        help_text=_("For example: 12, 15, #18"),
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Or pick from similar cases"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = candidates
        self.fields["cases"].label_from_instance = _case_label

    def clean_numbers(self) -> list[int]:
        text = self.cleaned_data["numbers"]
        if re.sub(r"[\d\s,;#]", "", text):
            raise forms.ValidationError(_("Write case numbers separated by commas or spaces."))
        return [int(number) for number in _NUMBER.findall(text)]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("numbers") and not data.get("cases"):
            raise forms.ValidationError(_("Give at least one case number or pick a case."))
        return data


class CompleteForm(forms.Form):
    what_changed = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Every linked customer reads this in their message: say it plainly, as you would to them."),
    )


class ContactAttemptForm(forms.Form):
    way = forms.ChoiceField(label=_("How"), choices=ContactWay.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    callback_on = forms.DateField(label=_("Call back on"), required=False, widget=DateInput)


class CaseLinkForm(forms.Form):
    improvement = forms.ModelChoiceField(label=_("Improvement"), queryset=None)

    def __init__(self, *args, improvements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["improvement"].queryset = improvements
