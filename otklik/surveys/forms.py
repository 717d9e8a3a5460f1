"""Forms: the customer's answer form and the managers' small setup forms."""

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Membership, TouchpointKind
from otklik.accounts.selectors import visible_locations
from otklik.cases.models import CaseRule
from otklik.surveys.kinds import KIND_CHOICES
from otklik.surveys.models import Survey
from otklik.surveys.services import AnswerInput, answer_errors

# answer_errors() speaks the service's field names; the form speaks the POST's.
SERVICE_TO_FORM_FIELD = {"customer_email": "email", "customer_name": "name", "customer_phone": "phone"}


class AnswerForm(forms.Form):
    """The public answer form; the rules themselves live in `answer_errors`, shared with the API."""

    score = forms.CharField(required=False)
    comment = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    second_answer = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    name = forms.CharField(required=False, max_length=200)
    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40)
    contact_consent = forms.BooleanField(required=False)

    def __init__(self, *args, survey: Survey, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.language = language

    def clean_score(self) -> int | None:
        raw = (self.cleaned_data.get("score") or "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            spec = self.survey.spec
            raise forms.ValidationError(
                _("Please choose a whole number from %(min)s to %(max)s.")
                % {"min": spec.min_score, "max": spec.max_score}
            ) from None

    def clean(self):
        cleaned = super().clean()
        # Show every problem at once, but only one message per field.
        for field, message in answer_errors(survey=self.survey, answer=self.answer_input()).items():
            form_field = SERVICE_TO_FORM_FIELD.get(field, field if field in self.fields else None)
            if form_field not in self.errors:
                self.add_error(form_field, message)
        answer = self.answer_input()
        if answer.leaves_contact and not answer.contact_consent and "contact_consent" not in self.errors:
            # A contact is personal data: it is kept only with the customer's consent to this exact purpose.
            self.add_error(
                "contact_consent",
                _("Tick the box to let us use your contact to reply, or leave the contact fields empty."),
            )
        return cleaned

    def answer_input(self) -> AnswerInput:
        data = self.cleaned_data
        return AnswerInput(
            score=data.get("score"),
            comment=data.get("comment") or "",
            second_answer=data.get("second_answer") or "",
            language=self.language,
            customer_name=(data.get("name") or "").strip(),
            customer_email=(data.get("email") or "").strip(),
            customer_phone=(data.get("phone") or "").strip(),
            contact_consent=bool(data.get("contact_consent")),
        )


class SurveyCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Template"), choices=KIND_CHOICES)
    name = forms.CharField(label=_("Name (optional)"), required=False, max_length=200)


class CaseRuleForm(forms.Form):
    comparison = forms.ChoiceField(label=_("Open a case when the"), choices=CaseRule.Comparison.choices)
    threshold = forms.IntegerField(label=_("Threshold"))
    enabled = forms.BooleanField(label=_("Open cases automatically"), required=False)


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Location name"), max_length=200)
    address = forms.CharField(label=_("Address (optional)"), max_length=300, required=False)
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = User.objects.filter(
            memberships__organization=membership.organization
        ).order_by("username")


class TouchpointForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None)
    name = forms.CharField(label=_("Touchpoint name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TouchpointKind.choices)

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = visible_locations(membership=membership)
