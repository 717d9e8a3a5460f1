"""Which answers a member sees and how pages narrow them: one place for the dashboard, metrics and insights.

The period form sits here too, beside the filter it feeds, so every page that narrows answers by a
period and a location (the overview, /metrics/, /people/, /insights/) shares one form.
"""

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Membership, Touchpoint
from otklik.accounts.selectors import visible_locations
from otklik.customers.models import Tag
from otklik.surveys.models import Response, Survey


def responses_visible(*, membership: Membership) -> QuerySet[Response]:
    """The organization's answers this member may see: all of them, or an employee's locations only."""
    responses = Response.objects.filter(organization=membership.organization)
    if not membership.sees_whole_organization:
        responses = responses.filter(location__in=visible_locations(membership=membership))
    return responses


def responses_filter(
    *,
    qs: QuerySet[Response],
    tz: datetime.tzinfo = datetime.UTC,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    location: Location | None = None,
    touchpoint: Touchpoint | None = None,
    survey: Survey | None = None,
    kind: str = "",
    score_min: int | None = None,
    score_max: int | None = None,
    has_comment: bool | None = None,
    text: str = "",
    segment: str = "",
    tag: Tag | None = None,
) -> QuerySet[Response]:
    """Narrow already scoped answers; both dates are inclusive whole days in `tz`.

    The objects passed in must come from scoped selectors: this function narrows, it does not guard.
    """
    # Bounds as datetimes (not `created_at__date`) so the (organization, …, created_at) indexes are used.
    if date_from is not None:
        qs = qs.filter(created_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz))
    if date_to is not None:
        next_day = date_to + datetime.timedelta(days=1)
        qs = qs.filter(created_at__lt=datetime.datetime.combine(next_day, datetime.time.min, tzinfo=tz))
    if location is not None:
        qs = qs.filter(location=location)
    if touchpoint is not None:
        qs = qs.filter(touchpoint=touchpoint)
    if survey is not None:
        qs = qs.filter(survey=survey)
    if kind:
        qs = qs.filter(kind=kind)
    if score_min is not None:
        qs = qs.filter(score__gte=score_min)
    if score_max is not None:
        qs = qs.filter(score__lte=score_max)
    if has_comment is True:
        qs = qs.exclude(comment="")
    elif has_comment is False:
        qs = qs.filter(comment="")
    if text:
        qs = qs.filter(comment__icontains=text)
    if segment:
        qs = qs.filter(customer__segment=segment)
    if tag is not None:
        qs = qs.filter(customer__tags=tag)
    return qs


class PeriodFilterForm(forms.Form):
    """Period and location; a location the member may not see is an invalid choice, not a leak."""

    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, required=False, empty_label=_("All"))

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = visible_locations(membership=membership)

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        return cleaned
