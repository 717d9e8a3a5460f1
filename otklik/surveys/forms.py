"""Forms: the customer's answer form and the managers' small setup forms."""

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Membership, TouchpointKind
from otklik.accounts.selectors import visible_locations
from otklik.surveys.kinds import KIND_CHOICES, CaseComparison
from otklik.surveys.models import QuestionKind, Survey
from otklik.surveys.presets import TEMPLATES
from otklik.surveys.questions import SCORE_SCALES, field_name, survey_questions
from otklik.surveys.services import AnswerInput, answer_errors

# answer_errors() speaks the service's field names; the form speaks the POST's.
SERVICE_TO_FORM_FIELD = {"customer_email": "email", "customer_name": "name", "customer_phone": "phone"}


class _Shared:
    """A field every form of its class shares instead of deep-copying it (Django copies each field, its widget,
    validators and messages for every form it builds). Only for fields nothing changes after the class is made:
    the answer form's template writes its own inputs and reads only values and errors, which live on the form.
    """

    def __deepcopy__(self, memo):
        return self


class _SharedCharField(_Shared, forms.CharField):
    pass


class _SharedBooleanField(_Shared, forms.BooleanField):
    pass


class _SharedFields(dict):
    """A form class's `base_fields` whose fields are all `_Shared`: a form's own `fields` is a plain copy of the
    dict, the fields in it the same objects. Django deep-copies `base_fields` for every form, which walked the
    dict key by key only to get each shared field back (about a tenth of the answer form's CPU, decision 0056).
    """

    def __deepcopy__(self, memo):
        return dict(self)


class AnswerForm(forms.Form):
    """The public answer form; the rules themselves live in `answer_errors`, shared with the API."""

    # Shared, not copied per form: the public answer POST builds one per request (decision 0033).
    score = _SharedCharField(required=False)
    comment = _SharedCharField(required=False, strip=False, widget=forms.Textarea)
    second_answer = _SharedCharField(required=False, strip=False, widget=forms.Textarea)
    name = _SharedCharField(required=False, max_length=200)
    email = _SharedCharField(required=False, max_length=254)
    phone = _SharedCharField(required=False, max_length=40)
    consent = _SharedBooleanField(required=False)
    contact_consent = _SharedBooleanField(required=False)

    def __init__(self, *args, survey: Survey, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.language = language
        # One field per extra question, so its value and its error come back with the page.
        self.questions = survey_questions(survey=survey)
        for question in self.questions:
            if question.kind == QuestionKind.MULTI:
                choices = [(option, option) for option in question.options]
                self.fields[field_name(question)] = forms.MultipleChoiceField(required=False, choices=choices)
            else:
                self.fields[field_name(question)] = forms.CharField(required=False, strip=False)

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
        # Read again: a field with an error has left `cleaned_data`, so a refused e-mail is no contact to consent to.
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
            extra={field_name(q): data.get(field_name(q)) for q in self.questions},
            consent=bool(data.get("consent")),
            contact_consent=bool(data.get("contact_consent")),
        )


# Every field of the class is shared (above), so the dict of them is copied flat per form.
if not all(isinstance(field, _Shared) for field in AnswerForm.base_fields.values()):
    raise TypeError("AnswerForm's fields must all be shared (_Shared) for its fields to be copied flat")
AnswerForm.base_fields = _SharedFields(AnswerForm.base_fields)


class SurveyCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Template"),
        choices=[*KIND_CHOICES, *[(template.code, template.label) for template in TEMPLATES.values()]],
    )
    name = forms.CharField(label=_("Name (optional)"), required=False, max_length=200)


class CaseRuleForm(forms.Form):
    comparison = forms.ChoiceField(label=_("Open a case when the"), choices=CaseComparison.choices)
    threshold = forms.IntegerField(label=_("Threshold"))
    enabled = forms.BooleanField(label=_("Open cases automatically"), required=False)
    needs_text = forms.BooleanField(label=_("Only when the customer wrote something"), required=False)


class QuestionForm(forms.Form):
    """The survey builder's "add a question" form."""

    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices, initial=QuestionKind.TEXT)
    text = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Choices, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For one or several choices."),
    )
    scale = forms.ChoiceField(
        label=_("Scale"),
        required=False,
        choices=[("", "—"), *[(code, label) for code, label in KIND_CHOICES if code in SCORE_SCALES]],
        help_text=_("For a score."),
    )
    show_min = forms.IntegerField(label=_("Show from score"), required=False)
    show_max = forms.IntegerField(label=_("Show up to score"), required=False)
    required = forms.BooleanField(label=_("Answer required"), required=False)


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
    employee = forms.ModelChoiceField(
        label=_("Employee (optional)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Answers through this touchpoint's QR code are credited to this person."),
    )

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = visible_locations(membership=membership)
        # Only the organization's active members: a QR code must never credit a stranger.
        self.fields["employee"].queryset = User.objects.filter(
            memberships__organization=membership.organization, memberships__is_active=True
        ).order_by("username")
        self.fields["employee"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
