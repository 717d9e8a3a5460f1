"""Forms of the outreach pages; the services validate again what matters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.outreach.models import HuntAction


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class DayForm(forms.Form):
    day = forms.DateField(label=_("Ask on"), widget=DateInput)


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Letter"), widget=forms.Textarea(attrs={"rows": 14}))


class SettingsForm(forms.Form):
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("Quiet hours are counted in it, e.g. Europe/Kyiv.")
    )
    quiet_from = forms.TimeField(label=_("Quiet hours from"), widget=TimeInput)
    quiet_until = forms.TimeField(
        label=_("Quiet hours until"),
        widget=TimeInput,
        help_text=_("Invitations due in the quiet hours wait for the morning. The same time twice means none."),
    )
    min_days_between = forms.IntegerField(
        label=_("At most one invitation per customer in (days)"),
        min_value=0,
        max_value=365,
        help_text=_("0 means no limit."),
    )
    expire_after_days = forms.IntegerField(
        label=_("Give up after (days past due)"),
        min_value=1,
        max_value=365,
        help_text=_("An invitation not sent by then is marked expired: a late question annoys more than it helps."),
    )
    default_touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint for invitations"),
        queryset=None,
        required=False,
        help_text=_("Where answers are counted when the purchase's location has no touchpoint."),
    )

    def __init__(self, *args, touchpoints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_touchpoint"].queryset = touchpoints


class HuntRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    event_name = forms.CharField(
        label=_("Event"), max_length=60, help_text=_("As the API sends it, e.g. trial_started.")
    )
    within_days = forms.IntegerField(
        label=_("No answer, case or contact within (days)"), min_value=1, max_value=365, initial=7
    )
    contact_events = forms.CharField(
        label=_("Events that count as contact"),
        max_length=300,
        required=False,
        help_text=_("Comma-separated, e.g. support_ticket, support_call."),
    )
    action = forms.ChoiceField(label=_("Then"), choices=HuntAction.choices)
    assignee = forms.ModelChoiceField(label=_("Task for"), queryset=None, required=False)
    survey = forms.ModelChoiceField(
        label=_("Survey"), queryset=None, required=False, help_text=_("Empty: the first open NPS survey.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, people, surveys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["survey"].queryset = surveys


class HuntPastForm(forms.Form):
    since = forms.DateField(
        label=_("Also act on events since"),
        widget=DateInput,
        help_text=_("Customers whose event happened before the rule was created, and who stayed silent."),
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("What came of it"), widget=forms.Textarea(attrs={"rows": 2}))
