"""The rules page for owners and managers: the rules in order, their editor, the failure log, the limits."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.accounts.models import Touchpoint
from otklik.cases.compensation import compensation_limit_set
from otklik.cases.compensation import compensation_limits as limits_for
from otklik.customers.models import Tag
from otklik.http import see_other
from otklik.rules import services
from otklik.rules.forms import CompensationLimitsForm, RuleForm
from otklik.rules.models import Rule
from otklik.rules.selectors import organization_workers, rule_failures, rule_get, rules_for
from otklik.sla.selectors import known_segments
from otklik.surveys.models import Survey, SurveyQuestion

RULE_CONDITIONS = [
    "survey",
    "kinds",
    "band",
    "score_min",
    "score_max",
    "touchpoint",
    "location",
    "segment",
    "tags",
    "words",
    "needs_comment",
    "needs_customer_email",
    "names_employee",
    "question",
    "answer_value",
]
RULE_ACTIONS = [
    "open_case",
    "assign_mode",
    "assign_to",
    "team",
    "notify",
    "send_template",
    "bonus",
    "forward_to_named",
    "stop_processing",
]


def _rule_form(request: HttpRequest, rule: Rule | None) -> RuleForm:
    organization = request.membership.organization
    initial = None
    if rule is not None:
        initial = model_to_dict(rule)
        initial["team"] = list(rule.team.all())
        initial["tags"] = list(rule.tags.all())
    return RuleForm(
        request.POST or None,
        initial=initial,
        surveys=Survey.objects.filter(organization=organization),
        questions=SurveyQuestion.objects.filter(survey__organization=organization).select_related("survey"),
        touchpoints=Touchpoint.objects.filter(organization=organization).select_related("location"),
        locations=organization.locations.all(),
        people=organization_workers(organization=organization),
        tags=Tag.objects.filter(organization=organization),
    )


def _list_context(request: HttpRequest) -> dict:
    organization = request.membership.organization
    services.rules_ensure_defaults(organization=organization)
    limits = limits_for(organization=organization)
    return {
        "rules": rules_for(organization=organization),
        "failures": rule_failures(organization=organization),
        "limits_form": CompensationLimitsForm(initial=limits),
    }


@membership_required(manage=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "rules/list.html", _list_context(request))


def _edit(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    form = _rule_form(request, rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.rule_save(organization=request.membership.organization, data=form.cleaned_data, rule=rule)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The rule “%(name)s” is saved.") % {"name": saved.name})
            return see_other(reverse("rules:list"))
    groups = [
        (_("The rule"), ["name", "enabled", "order", "trigger"]),
        (_("Conditions"), [*RULE_CONDITIONS]),
        (_("Actions"), [*RULE_ACTIONS]),
    ]
    sections = [(title, [form[name] for name in names]) for title, names in groups]
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "rule": rule,
        "sections": sections,
        "known_segments": known_segments(organization=request.membership.organization),
    }
    return render(request, "rules/edit.html", context, status=status)


@membership_required(manage=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@membership_required(manage=True)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _edit(request, rule_get(membership=request.membership, rule_id=rule_id))


@require_POST
@membership_required(manage=True)
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = rule_get(membership=request.membership, rule_id=rule_id)
    services.rule_set_enabled(rule=rule, enabled=not rule.enabled)
    if rule.enabled:
        messages.success(request, _("The rule “%(name)s” is on.") % {"name": rule.name})
    else:
        messages.success(request, _("The rule “%(name)s” is off.") % {"name": rule.name})
    return see_other(reverse("rules:list"))


@require_POST
@membership_required(manage=True)
def compensation_limits(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    form = CompensationLimitsForm(request.POST)
    if form.is_valid():
        for role, amount in form.cleaned_data.items():
            compensation_limit_set(organization=organization, role=role, max_amount=amount)
        messages.success(request, _("The compensation limits are saved."))
        return see_other(reverse("rules:list"))
    context = {**_list_context(request), "limits_form": form}
    return render(request, "rules/list.html", context, status=400)
