"""Filter forms for the dashboard and the answers list; their choices are scoped to the member."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Membership
from otklik.accounts.selectors import visible_touchpoints
from otklik.customers.models import Tag
from otklik.customers.segments import SEGMENT_CHOICES
from otklik.surveys.filters import PeriodFilterForm
from otklik.surveys.kinds import KIND_CHOICES, KINDS
from otklik.surveys.models import Survey

MAX_SEARCH = 200
# Bounded by the widest scale, which also keeps a huge number from overflowing PostgreSQL's smallint.
SCORE_FLOOR = min(kind.min_score for kind in KINDS.values())
SCORE_CEIL = max(kind.max_score for kind in KINDS.values())


class AnswersFilterForm(PeriodFilterForm):
    HAS_COMMENT_CHOICES = [("", _("Any")), ("yes", _("With a comment")), ("no", _("Without a comment"))]

    kind = forms.ChoiceField(label=_("Survey kind"), required=False, choices=[("", _("All")), *KIND_CHOICES])
    touchpoint = forms.ModelChoiceField(label=_("Touchpoint"), queryset=None, required=False, empty_label=_("All"))
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=None, required=False, empty_label=_("All"))
    score_min = forms.IntegerField(label=_("Score from"), required=False, min_value=SCORE_FLOOR, max_value=SCORE_CEIL)
    score_max = forms.IntegerField(label=_("Score to"), required=False, min_value=SCORE_FLOOR, max_value=SCORE_CEIL)
    has_comment = forms.ChoiceField(label=_("Comment"), required=False, choices=HAS_COMMENT_CHOICES)
    q = forms.CharField(label=_("Comment contains"), required=False, max_length=MAX_SEARCH, strip=True)
    # Who answered (D6): the customer's RFM segment and manual tags.
    segment = forms.ChoiceField(label=_("Customer segment"), required=False, choices=[("", _("All")), *SEGMENT_CHOICES])
    tag = forms.ModelChoiceField(label=_("Customer tag"), queryset=None, required=False, empty_label=_("All"))

    field_order = ["kind", "survey", "location", "touchpoint", "score_min", "score_max", "date_from", "date_to"]

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, membership=membership, **kwargs)
        self.fields["touchpoint"].queryset = visible_touchpoints(membership=membership)
        self.fields["survey"].queryset = Survey.objects.filter(organization=membership.organization)
        self.fields["tag"].queryset = Tag.objects.filter(organization=membership.organization)

    def clean(self) -> dict:
        cleaned = super().clean()
        score_min, score_max = cleaned.get("score_min"), cleaned.get("score_max")
        if score_min is not None and score_max is not None and score_min > score_max:
            raise forms.ValidationError(_("The lowest score must not be above the highest."))
        return cleaned

    @property
    def has_comment_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("has_comment", ""))
