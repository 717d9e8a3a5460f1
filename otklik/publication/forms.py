from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.publication.models import (
    COMPLAINT_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    STORY_TEXT_MAX_LENGTH,
    STORY_TITLE_MAX_LENGTH,
)


class BookEntryForm(forms.Form):
    complaint_text = forms.CharField(
        label=_("You told us"), max_length=COMPLAINT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    assigned_label = forms.CharField(
        label=_("Who took it (a role and a place, not a person's name)"), max_length=LABEL_MAX_LENGTH
    )
    response_text = forms.CharField(
        label=_("What was done"), max_length=RESPONSE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )


class BookSettingsForm(forms.Form):
    allowed_handles = forms.CharField(
        label=_("Our own @handles"),
        max_length=500,
        required=False,
        help_text=_("Separated by spaces or commas, e.g. @acme @acme_help. Every other @handle is hidden."),
    )


class StoryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=STORY_TITLE_MAX_LENGTH)
    you_said = forms.CharField(
        label=_("You said"), max_length=STORY_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    we_did = forms.CharField(
        label=_("We did"), max_length=STORY_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    cases = forms.ModelMultipleChoiceField(label=_("Cases behind this story (optional)"), queryset=None, required=False)

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: f"#{case.pk} · {case.location.name}"
