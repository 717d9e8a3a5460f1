"""Forms of the rules page: one rule, and the compensation limits per role."""

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Role, Touchpoint
from otklik.customers.models import Tag
from otklik.messaging.models import TemplateKind
from otklik.rules.models import AssignMode, ScoreBand, Trigger
from otklik.surveys.kinds import KIND_CHOICES
from otklik.surveys.models import Survey, SurveyQuestion


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order (lower runs first)"), min_value=0, max_value=32000, initial=100)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)

    survey = forms.ModelChoiceField(label=_("Survey"), required=False, queryset=Survey.objects.none())
    kinds = forms.MultipleChoiceField(
        label=_("Survey kinds"), required=False, choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    band = forms.ChoiceField(label=_("Score band"), required=False, choices=ScoreBand.choices)
    score_min = forms.IntegerField(label=_("Lowest score"), required=False)
    score_max = forms.IntegerField(label=_("Highest score"), required=False)
    touchpoint = forms.ModelChoiceField(label=_("Touchpoint"), required=False, queryset=Touchpoint.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), required=False, queryset=Location.objects.none())
    segment = forms.CharField(
        label=_("Customer segments (separated by commas; any of them matches)"),
        required=False,
        max_length=100,
        help_text=_("Empty: any customer. An answer from an unknown customer matches no segment."),
        widget=forms.TextInput(attrs={"list": "known-segments", "autocomplete": "off"}),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Customer tags (any of them)"),
        required=False,
        queryset=Tag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    words = forms.CharField(
        label=_("Words in the comment (separated by commas; any form of the word matches)"),
        required=False,
        max_length=500,
    )
    needs_comment = forms.BooleanField(label=_("Only answers with a comment"), required=False)
    needs_customer_email = forms.BooleanField(label=_("Only when the customer left an e-mail"), required=False)
    names_employee = forms.BooleanField(label=_("Only when the comment names an employee"), required=False)
    question = forms.ModelChoiceField(
        label=_("Only when this question was answered"), required=False, queryset=SurveyQuestion.objects.none()
    )
    answer_value = forms.CharField(
        label=_("…with this answer"),
        required=False,
        max_length=200,
        help_text=_("Empty: any answer. Yes or no, a choice, a score, or words the open answer contains."),
    )

    open_case = forms.BooleanField(label=_("Open a case"), required=False)
    assign_mode = forms.ChoiceField(label=_("Assign to"), choices=AssignMode.choices)
    assign_to = forms.ModelChoiceField(label=_("Person"), required=False, queryset=User.objects.none())
    team = forms.ModelMultipleChoiceField(
        label=_("Team"), required=False, queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    notify = forms.BooleanField(
        label=_("Notify the people it assigns to, by the channels each chose"),
        required=False,
        help_text=_("When the rule opens a case, the case alert does it; otherwise this rule sends its own alert."),
    )
    send_template = forms.ChoiceField(
        label=_("Send the customer a message"),
        required=False,
        choices=[("", _("No message")), *TemplateKind.choices],
    )
    bonus = forms.CharField(label=_("Bonus to grant"), required=False, max_length=200)
    forward_to_named = forms.BooleanField(label=_("Send the praise to the employees it names"), required=False)
    stop_processing = forms.BooleanField(label=_("Stop here: no later rule runs"), required=False)

    def __init__(
        self,
        *args,
        surveys: QuerySet[Survey],
        touchpoints: QuerySet[Touchpoint],
        locations: QuerySet[Location],
        people: QuerySet[User],
        tags: QuerySet[Tag],
        questions: QuerySet[SurveyQuestion] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys
        self.fields["survey"].empty_label = _("Any survey")
        self.fields["touchpoint"].queryset = touchpoints
        self.fields["touchpoint"].empty_label = _("Any touchpoint")
        self.fields["location"].queryset = locations
        self.fields["location"].empty_label = _("Any location")
        self.fields["assign_to"].queryset = people
        self.fields["assign_to"].label_from_instance = _person
        self.fields["team"].queryset = people
        self.fields["team"].label_from_instance = _person
        self.fields["tags"].queryset = tags
        if questions is not None:
            self.fields["question"].queryset = questions
        self.fields["question"].empty_label = _("Any")
        self.fields["question"].label_from_instance = lambda q: f"{q.survey.name}: {q.label}"


class CompensationLimitsForm(forms.Form):
    """One amount per role that may work on cases; empty means no limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in (Role.EMPLOYEE, Role.MANAGER, Role.OWNER):
            self.fields[role] = forms.DecimalField(
                label=Role(role).label,
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                help_text=_("Empty: no limit."),
            )
