"""Forms of the customer pages; every choice is scoped to the member's organization."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.customers.models import EvaluationMode, Tag
from otklik.customers.segments import SEGMENT_CHOICES

MAX_SEARCH = 200


class CustomerFilterForm(forms.Form):
    SORT_CHOICES = [("name", _("Name")), ("revenue", _("Revenue, highest first")), ("recent", _("Latest purchase"))]

    q = forms.CharField(label=_("Name, e-mail, phone or external id"), required=False, max_length=MAX_SEARCH)
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All")), *SEGMENT_CHOICES])
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False, empty_label=_("All"))
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(organization=organization)


class TagAddForm(forms.Form):
    name = forms.CharField(label=_("New tag"), max_length=60)


class ProductForm(forms.Form):
    evaluation_delay_days = forms.IntegerField(label=_("ask after (days)"), min_value=0, max_value=365)
    evaluation_mode = forms.ChoiceField(label=_("evaluation mode"), choices=EvaluationMode.choices)
    # The organization's surveys, set in __init__ (through the reverse relation: surveys build on the customer base).
    survey = forms.ModelChoiceField(
        label=_("survey"), queryset=None, required=False, empty_label=_("The first NPS survey")
    )

    def __init__(self, *args, organization: Organization, form_id: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = organization.surveys.all()
        # The fields sit in the cells of a table row while their <form> is in the last cell (HTML `form` attribute).
        for field in self.fields.values():
            field.widget.attrs.update({"form": form_id} if form_id else {})
