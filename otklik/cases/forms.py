"""Forms of the case pages: the list filter, one form per loop step, and the assignment."""

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Touchpoint
from otklik.cases.models import CaseSource, CompensationKind, ContactWay, Severity, Step
from otklik.cases.selectors import STATUS_ALL, STATUS_OPEN, STATUS_RESOLVED


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends ISO dates whatever the interface language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(STATUS_OPEN, _("Open")), (STATUS_RESOLVED, _("Resolved")), (STATUS_ALL, _("All"))],
    )
    step = forms.ChoiceField(label=_("Step"), required=False, choices=[("", _("Any step")), *Step.choices])
    location = forms.ModelChoiceField(label=_("Location"), required=False, queryset=Location.objects.none())
    responsible = forms.ChoiceField(
        label=_("Responsible"), required=False, choices=[("", _("Anyone")), ("mine", _("Mine"))]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )

    def __init__(self, *args, locations: QuerySet[Location], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["location"].empty_label = _("All locations")


class ThankForm(forms.Form):
    via = forms.ChoiceField(label=_("How was the customer thanked?"), choices=ContactWay.choices)
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ApologizeForm(forms.Form):
    apology = forms.CharField(
        label=_("The apology given to the customer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    compensation = forms.CharField(label=_("Compensation offered (optional)"), required=False, max_length=300)
    compensation_kind = forms.ChoiceField(
        label=_("Kind of compensation"), required=False, choices=[("", _("None")), *CompensationKind.choices]
    )
    compensation_amount = forms.DecimalField(
        label=_("Amount (within your role's limit)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    compensation_code = forms.CharField(label=_("Coupon code"), required=False, max_length=100)
    via = forms.ChoiceField(
        label=_("How was the apology given?"), required=False, choices=[("", "—"), *ContactWay.choices]
    )


class PromiseForm(forms.Form):
    fix_promise = forms.CharField(
        label=_("What we will fix"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    planned_fix_date = forms.DateField(label=_("Planned fix date"), widget=DateInput())
    via = forms.ChoiceField(
        label=_("How was the customer told?"), required=False, choices=[("", "—"), *ContactWay.choices]
    )


class CannotFixForm(forms.Form):
    """The honest alternative to a promise: no date, and an explanation the customer will read."""

    cannot_fix = forms.BooleanField(label=_("This honestly cannot be fixed"))
    explanation = forms.CharField(
        label=_("Why it cannot be fixed (the customer reads this in the report)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    via = forms.ChoiceField(
        label=_("How was the customer told?"), required=False, choices=[("", "—"), *ContactWay.choices]
    )


class FixForm(forms.Form):
    fix_description = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReportForm(forms.Form):
    via = forms.ChoiceField(label=_("How was the report given to the customer?"), choices=ContactWay.choices)
    cause = forms.CharField(label=_("Cause of the problem"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    action_taken = forms.CharField(label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    message = forms.CharField(
        label=_(
            "The written report the customer gets (preview it and edit it; "
            "left empty, the template with the cause and the measures)"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
    )


class PrizeForm(forms.Form):
    prize = forms.CharField(label=_("Prize for this useful complaint (the customer is told by e-mail)"), max_length=300)


class CaseCreateForm(forms.Form):
    """A complaint that came by another way than a survey: the hotline, the complaints book, a visit, a review site."""

    source = forms.ChoiceField(
        label=_("Where did the complaint come from?"),
        choices=[choice for choice in CaseSource.choices if choice[0] != CaseSource.SURVEY],
    )
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint (optional)"), required=False, queryset=Touchpoint.objects.none()
    )
    customer_name = forms.CharField(label=_("Customer's name"), required=False, max_length=200)
    customer_email = forms.EmailField(label=_("Customer's e-mail"), required=False)
    customer_phone = forms.CharField(label=_("Customer's phone"), required=False, max_length=40)
    content = forms.CharField(label=_("The complaint"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    received_at = forms.DateTimeField(
        label=_("Received"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, locations: QuerySet[Location], touchpoints: QuerySet[Touchpoint], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["touchpoint"].queryset = touchpoints

    def clean(self):
        data = super().clean()
        location, touchpoint = data.get("location"), data.get("touchpoint")
        if location and touchpoint and touchpoint.location_id != location.pk:
            self.add_error("touchpoint", _("This touchpoint is in another location."))
        received = data.get("received_at")
        if received and received > timezone.now():
            self.add_error("received_at", _("The complaint cannot be received in the future."))
        return data


class AssignForm(forms.Form):
    responsible = forms.ModelChoiceField(label=_("Responsible person"), required=False, queryset=User.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    planned_fix_date = forms.DateField(label=_("Planned fix date"), required=False, widget=DateInput())

    def __init__(self, *args, people: QuerySet[User], **kwargs):
        # Shown beside the step forms, which have their own planned_fix_date: keep element ids apart.
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people
        self.fields["responsible"].empty_label = _("Nobody")
        self.fields["responsible"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
