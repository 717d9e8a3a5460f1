"""The two forms of the surveys page that write a case rule: a new survey (created with its default rule) and
the rule itself. They live in cases, which owns the rule; their URL names stay "surveys:create" and
"surveys:rule" (`intake/urls.py` joins them to the surveys namespace), and a refused form re-renders the
surveys page (`surveys.views.survey_list_page`).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts.decorators import membership_required
from otklik.cases.case_rules import case_rule_set, survey_create_with_case_rule
from otklik.http import form_add_errors
from otklik.surveys.forms import CaseRuleForm, SurveyCreateForm
from otklik.surveys.views import survey_list_page, survey_or_404


@membership_required(manage=True)
@require_POST
def survey_create(request: HttpRequest) -> HttpResponse:
    """A new survey from a kind or template, with its default case rule."""
    form = SurveyCreateForm(request.POST)
    if form.is_valid():
        try:
            survey = survey_create_with_case_rule(
                organization=request.membership.organization,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"].strip(),
            )
        except ValidationError as error:
            form.add_error("kind", error)
        else:
            messages.success(request, _("The survey “%(name)s” was created.") % {"name": survey.name})
            return redirect("surveys:list")
    return survey_list_page(request, status=400, create_form=form)


@membership_required(manage=True)
@require_POST
def survey_rule(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Save which scores of the survey open a case (the form on the surveys page)."""
    survey = survey_or_404(request, survey_id)
    form = CaseRuleForm(request.POST, auto_id=f"id_rule{survey.pk}_%s")
    if form.is_valid():
        try:
            case_rule_set(
                survey=survey,
                comparison=form.cleaned_data["comparison"],
                threshold=form.cleaned_data["threshold"],
                enabled=form.cleaned_data["enabled"],
                needs_text=form.cleaned_data["needs_text"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The case rule of “%(name)s” was saved.") % {"name": survey.name})
            return redirect("surveys:list")
    return survey_list_page(request, status=400, rule_form=form, rule_survey_id=survey.pk)
