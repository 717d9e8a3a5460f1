"""Survey pages: the QR codes and cards of the public links, and the managers' setup page.

The public answer and thank-you pages run the answer flow, so they are the intake's (`intake/views.py`); the
case rule's form on the setup page is saved by cases (`cases/survey_views.py`), which owns the rule.
"""

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.decorators import membership_required
from otklik.http import form_add_errors
from otklik.surveys import questions, selectors, services
from otklik.surveys.forms import (
    CaseRuleForm,
    LocationForm,
    QuestionForm,
    SurveyCreateForm,
    TouchpointForm,
)
from otklik.surveys.models import Survey, SurveyQuestion

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# The two QR codes of the printed acts open the same form with the score preset to one end.
ACT_SATISFIED = "satisfied"
ACT_DISSATISFIED = "dissatisfied"


def activate_language(request: HttpRequest, *, fallback: str = "") -> str:
    """The customer's language: the form's `lang`, then `?lang=`, then `fallback`, then the browser's."""
    for candidate in (request.POST.get("lang"), request.GET.get("lang"), fallback):
        if candidate in LANGUAGE_CODES:
            chosen = candidate
            break
    else:
        # The browser's, as the locale middleware reads it (its cookie, Accept-Language, else LANGUAGE_CODE), from
        # the request itself: a public answer POST runs without that middleware (otklik.handlers), where the
        # thread's language is whatever its last request left.
        chosen = translation.get_language_from_request(request) or settings.LANGUAGE_CODE
    translation.activate(chosen)
    request.LANGUAGE_CODE = chosen
    return chosen


def language_links(current: str) -> list[dict]:
    """The language switcher's links, the current one marked (public pages and printed cards)."""
    return [
        {"code": code, "name": translation.get_language_info(code)["name_local"], "current": code == current}
        for code in LANGUAGE_CODES
    ]


def public_or_404(survey_key: str, touchpoint_key: str) -> tuple:
    """The open survey and touchpoint a public link names (survey, touchpoint); Http404 for anything else."""
    found = selectors.public_survey_recent(survey_key=survey_key, touchpoint_key=touchpoint_key)
    if found is None:
        raise Http404
    return found


def _qr(survey_key: str, touchpoint_key: str) -> segno.QRCode:
    survey, touchpoint = public_or_404(survey_key, touchpoint_key)
    return segno.make(selectors.public_url(survey=survey, touchpoint=touchpoint), error="m")


# A QR code only carries the public link, which is printed on paper anyway: public and cacheable.
@require_GET
@cache_control(public=True, max_age=86400)
def qr_svg(request, survey_key: str, touchpoint_key: str):
    buffer = io.BytesIO()
    _qr(survey_key, touchpoint_key).save(buffer, kind="svg", scale=8, border=4)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@require_GET
@cache_control(public=True, max_age=86400)
def qr_png(request, survey_key: str, touchpoint_key: str):
    buffer = io.BytesIO()
    _qr(survey_key, touchpoint_key).save(buffer, kind="png", scale=8, border=4)
    return HttpResponse(buffer.getvalue(), content_type="image/png")


def survey_or_404(request: HttpRequest, survey_id: int) -> Survey:
    """One survey of the member's organization; Http404 for any other."""
    survey = selectors.survey_of(organization=request.membership.organization, survey_id=survey_id)
    if survey is None:
        raise Http404
    return survey


def _printable(request, survey_id: int, touchpoint_id: int):
    """What a printed card or act needs: the survey and touchpoint (404 for a stranger's), the language
    (`?lang=`, else the organization's) and the public link its QR code opens."""
    survey = survey_or_404(request, survey_id)
    touchpoint = selectors.touchpoint_of(membership=request.membership, touchpoint_id=touchpoint_id)
    if touchpoint is None:
        raise Http404
    language = request.GET.get("lang")
    if language not in LANGUAGE_CODES:
        language = survey.organization.default_language
    return survey, touchpoint, language, selectors.public_url(survey=survey, touchpoint=touchpoint)


@membership_required(manage=True)
@require_GET
def card(request, survey_id: int, touchpoint_id: int):
    survey, touchpoint, language, url = _printable(request, survey_id, touchpoint_id)
    with translation.override(language):
        html = render_to_string(
            "surveys/card.html",
            {
                "organization": survey.organization,
                "survey": survey,
                "touchpoint": touchpoint,
                "question": selectors.survey_question(survey=survey),
                "url": url,
                "short_url": url.split("://", 1)[-1],
                "qr": segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True),
                "language": language,
                "languages": language_links(language),
            },
            request=request,
        )
    return HttpResponse(html)


# Paper sizes of the printed acts: the page, the act's box, its type size and the QR code's side.
ACT_SIZES = {
    "a6": {"code": "a6", "name": "A6", "page": "A6", "width": "105mm", "height": "148mm", "font": "10pt", "qr": "42mm"},
    "a5": {"code": "a5", "name": "A5", "page": "A5", "width": "148mm", "height": "210mm", "font": "13pt", "qr": "62mm"},
}


@membership_required(manage=True)
@require_GET
def acts(request, survey_id: int, touchpoint_id: int):
    """The satisfaction and dissatisfaction acts for the package: two QR codes, each presetting its end of the scale."""
    survey, touchpoint, language, url = _printable(request, survey_id, touchpoint_id)
    size = ACT_SIZES.get(request.GET.get("size", ""), ACT_SIZES["a6"])
    with translation.override(language):
        items = []
        for code, css, title, text in (
            (
                ACT_SATISFIED,
                "yes",
                _("Satisfaction act"),
                _("Tell us what you liked, so we can thank the people who did it."),
            ),
            (
                ACT_DISSATISFIED,
                "no",
                _("Dissatisfaction act"),
                _("Tell us what went wrong: we will fix it and let you know what we changed."),
            ),
        ):
            act_url = f"{url}?act={code}&lang={language}"
            items.append(
                {
                    "code": code,
                    "css": css,
                    "title": title,
                    "text": text,
                    "short_url": act_url.split("://", 1)[-1],
                    "qr": segno.make(act_url, error="m").svg_inline(scale=1, border=2, omitsize=True),
                }
            )
        employee = touchpoint.employee
        html = render_to_string(
            "surveys/acts.html",
            {
                "organization": survey.organization,
                "touchpoint": touchpoint,
                "employee_name": (employee.get_full_name() or employee.get_username()) if employee else "",
                "acts": items,
                "size": size,
                "sizes": [{**item, "current": item["code"] == size["code"]} for item in ACT_SIZES.values()],
                "language": language,
                "languages": language_links(language),
            },
            request=request,
        )
    return HttpResponse(html)


def _rule_initial(survey: Survey) -> dict:
    try:
        rule = survey.case_rule
    except ObjectDoesNotExist:
        return {"comparison": survey.spec.case_when, "threshold": survey.spec.case_threshold, "enabled": True}
    return {
        "comparison": rule.comparison,
        "threshold": rule.threshold,
        "enabled": rule.enabled,
        "needs_text": rule.needs_text,
    }


def survey_list_page(
    request,
    *,
    status: int = 200,
    create_form=None,
    location_form=None,
    touchpoint_form=None,
    rule_form=None,
    rule_survey_id: int | None = None,
    question_form=None,
    question_survey_id: int | None = None,
):
    """The surveys page; a POST that failed passes its bound form in, to show its errors."""
    membership = request.membership
    rows = selectors.survey_links(membership=membership)
    for row in rows:
        survey = row["survey"]
        if rule_form is not None and rule_survey_id == survey.pk:
            row["rule_form"] = rule_form
        else:
            row["rule_form"] = CaseRuleForm(initial=_rule_initial(survey), auto_id=f"id_rule{survey.pk}_%s")
        if question_form is not None and question_survey_id == survey.pk:
            row["question_form"] = question_form
        else:
            row["question_form"] = QuestionForm(auto_id=f"id_q{survey.pk}_%s")
        row["question"] = selectors.survey_question(survey=survey)
        row["follow_up"] = selectors.survey_follow_up(survey=survey)
    context = {
        "rows": rows,
        "create_form": create_form or SurveyCreateForm(),
        "location_form": location_form or LocationForm(membership=membership, auto_id="id_loc_%s"),
        "touchpoint_form": touchpoint_form or TouchpointForm(membership=membership, auto_id="id_tp_%s"),
    }
    return render(request, "surveys/list.html", context, status=status)


@membership_required(manage=True)
@require_GET
def survey_list(request):
    return survey_list_page(request)


@membership_required(manage=True)
@require_POST
def survey_toggle(request, survey_id: int):
    survey = survey_or_404(request, survey_id)
    is_open = request.POST.get("open") == "1"
    services.survey_set_open(survey=survey, is_open=is_open)
    if is_open:
        messages.success(request, _("The survey “%(name)s” is open for answers.") % {"name": survey.name})
    else:
        messages.success(
            request, _("The survey “%(name)s” is closed; its links no longer accept answers.") % {"name": survey.name}
        )
    return redirect("surveys:list")


@membership_required(manage=True)
@require_POST
def location_add(request):
    membership = request.membership
    form = LocationForm(request.POST, membership=membership, auto_id="id_loc_%s")
    if form.is_valid():
        try:
            location = services.location_create(organization=membership.organization, **form.cleaned_data)
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The location “%(name)s” was added.") % {"name": location.name})
            return redirect("surveys:list")
    return survey_list_page(request, status=400, location_form=form)


@membership_required(manage=True)
@require_POST
def touchpoint_add(request):
    membership = request.membership
    form = TouchpointForm(request.POST, membership=membership, auto_id="id_tp_%s")
    if form.is_valid():
        try:
            touchpoint = services.touchpoint_create(organization=membership.organization, **form.cleaned_data)
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The touchpoint “%(name)s” was added.") % {"name": touchpoint.name})
            return redirect("surveys:list")
    return survey_list_page(request, status=400, touchpoint_form=form)


def _question_or_404(request, survey: Survey, question_id: int) -> SurveyQuestion:
    question = survey.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


@membership_required(manage=True)
@require_POST
def question_add(request, survey_id: int):
    survey = survey_or_404(request, survey_id)
    form = QuestionForm(request.POST, auto_id=f"id_q{survey.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            questions.question_add(
                survey=survey,
                kind=data["kind"],
                text=data["text"],
                options=data["options"].splitlines(),
                scale=data["scale"],
                show_min=data["show_min"],
                show_max=data["show_max"],
                required=data["required"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("The question was added to “%(name)s”.") % {"name": survey.name})
            return redirect(reverse("surveys:list") + f"#survey-{survey.pk}")
    return survey_list_page(request, status=400, question_form=form, question_survey_id=survey.pk)


@membership_required(manage=True)
@require_POST
def question_move(request, survey_id: int, question_id: int):
    survey = survey_or_404(request, survey_id)
    questions.question_move(question=_question_or_404(request, survey, question_id), up=request.POST.get("to") == "up")
    return redirect(reverse("surveys:list") + f"#survey-{survey.pk}")


@membership_required(manage=True)
@require_POST
def question_remove(request, survey_id: int, question_id: int):
    survey = survey_or_404(request, survey_id)
    question = _question_or_404(request, survey, question_id)
    questions.question_remove(question=question)
    messages.success(request, _("The question was removed; the answers already given keep it."))
    return redirect(reverse("surveys:list") + f"#survey-{survey.pk}")
