"""Survey pages: the public answer page and its QR codes and cards, and the managers' setup page."""

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otklik.accounts.decorators import membership_required
from otklik.http import form_add_errors
from otklik.surveys import next_step, questions, selectors, services
from otklik.surveys.forms import (
    SERVICE_TO_FORM_FIELD,
    AnswerForm,
    CaseRuleForm,
    LocationForm,
    QuestionForm,
    SurveyCreateForm,
    TouchpointForm,
)
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Invitation, QuestionKind, Survey, SurveyQuestion
from otklik.surveys.questions import field_name
from otklik.surveys.spam import answer_rate_exceeded, is_honeypot_filled

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# The two QR codes of the printed acts open the same form with the score preset to one end.
ACT_SATISFIED = "satisfied"
ACT_DISSATISFIED = "dissatisfied"


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303 makes the browser GET the thank-you page, so "reload" cannot post the answer twice.
    status_code = 303


def _activate_language(request: HttpRequest, *, fallback: str = "") -> str:
    """The customer's language: the form's `lang`, then `?lang=`, then `fallback`, then the browser's."""
    for candidate in (request.POST.get("lang"), request.GET.get("lang"), fallback):
        if candidate in LANGUAGE_CODES:
            chosen = candidate
            break
    else:
        chosen = translation.get_language() or settings.LANGUAGE_CODE
    translation.activate(chosen)
    request.LANGUAGE_CODE = chosen
    return chosen


def _language_links(current: str) -> list[dict]:
    return [
        {"code": code, "name": translation.get_language_info(code)["name_local"], "current": code == current}
        for code in LANGUAGE_CODES
    ]


def _public_or_404(survey_key: str, touchpoint_key: str):
    found = selectors.public_survey(survey_key=survey_key, touchpoint_key=touchpoint_key)
    if found is None:
        raise Http404
    return found


def _act_score(survey: Survey, act: str | None) -> int | None:
    """The score a printed act's QR code presets: the best end for "satisfied", the worst for "dissatisfied"."""
    spec = survey.spec
    best, worst = (spec.min_score, spec.max_score) if spec.case_when == "gte" else (spec.max_score, spec.min_score)
    return {ACT_SATISFIED: best, ACT_DISSATISFIED: worst}.get(act or "")


def _question_rows(form: AnswerForm) -> list[dict]:
    """Each extra question with what the template needs: its field, current value, choices and show-if."""
    rows = []
    for question in form.questions:
        name = field_name(question)
        value = form[name].value() if form.is_bound else None
        chosen = {str(item) for item in value} if isinstance(value, list) else {str(value or "")}
        if question.kind == QuestionKind.YESNO:
            options = [("yes", _("Yes")), ("no", _("No"))]
        elif question.kind == QuestionKind.SCORE:
            scale = KINDS[question.scale or "nps"]
            options = [(str(n), str(n)) for n in range(scale.min_score, scale.max_score + 1)]
        else:
            options = [(option, option) for option in question.options]
        rows.append(
            {
                "name": name,
                "kind": question.kind,
                "label": question.label,
                "required": question.required,
                "value": value if isinstance(value, str) else "",
                "options": [{"value": v, "label": label, "checked": v in chosen} for v, label in options],
                # "min:max" for the show-if script; empty when the question is always shown.
                "show": ""
                if question.show_min is None and question.show_max is None
                else f"{'' if question.show_min is None else question.show_min}:"
                f"{'' if question.show_max is None else question.show_max}",
                "errors": form.errors.get(name, []),
            }
        )
    return rows


def _render_form(request, *, survey, touchpoint, form, language, status=200, notice="", preset=None, product=""):
    spec = survey.spec
    scores = list(range(spec.min_score, spec.max_score + 1))
    chosen = form["score"].value() if form.is_bound else preset
    context = {
        "organization": survey.organization,
        "survey": survey,
        "touchpoint": touchpoint,
        "spec": spec,
        "question": selectors.survey_question(survey=survey),
        "follow_up": selectors.survey_follow_up(survey=survey),
        "questions": _question_rows(form),
        "product": product,
        # Two-point scales (yes/no) read better with words on the boxes than with 0 and 1.
        "score_choices": [
            {
                "value": n,
                "label": (spec.low_label if n == spec.min_score else spec.high_label) if len(scores) == 2 else n,
                "checked": chosen is not None and str(n) == str(chosen).strip(),
            }
            for n in scores
        ],
        "form": form,
        "language": language,
        "languages": _language_links(language),
        "max_comment": services.MAX_COMMENT,
        "notice": notice,
    }
    return render(request, "surveys/answer.html", context, status=status)


def _render_message(request, *, survey, title: str, text: str, status: int = 200):
    context = {"organization": survey.organization, "title": title, "text": text}
    return render(request, "surveys/message.html", context, status=status)


def _closed(request, survey):
    return _render_message(
        request,
        survey=survey,
        title=_("This survey is closed"),
        text=_("This survey no longer accepts answers. Thank you for wanting to tell us what you think."),
        status=410,
    )


def _already_answered(request, survey):
    return _render_message(
        request,
        survey=survey,
        title=_("You have already answered, thank you"),
        text=_("This link accepts one answer, and we have received yours."),
    )


def _answer(request, *, survey: Survey, touchpoint, invitation: Invitation | None = None):
    """The answer form for both the public link and a personal invitation."""
    language = _activate_language(request, fallback=invitation.language if invitation else "")
    if not survey.is_open:
        return _closed(request, survey)
    if invitation is not None and invitation.answered_at is not None:
        return _already_answered(request, survey)
    thanks_url = reverse("surveys:thanks", args=[survey.public_key, touchpoint.public_key]) + f"?lang={language}"
    product = invitation.purchase.product.name if invitation and invitation.purchase_id else ""
    if request.method != "POST":
        return _render_form(
            request,
            survey=survey,
            touchpoint=touchpoint,
            form=AnswerForm(survey=survey, language=language),
            language=language,
            preset=_act_score(survey, request.GET.get("act")),
            product=product,
        )
    if is_honeypot_filled(request.POST):
        # Look successful, so the bot has no reason to try another way in.
        return HttpResponseSeeOther(thanks_url)
    form = AnswerForm(request.POST, survey=survey, language=language)
    if answer_rate_exceeded(client_ip=request.META.get("REMOTE_ADDR", "")):
        notice = _("Too many answers have come from your network in the last few minutes. Please try again later.")
        return _render_form(
            request,
            survey=survey,
            touchpoint=touchpoint,
            form=form,
            language=language,
            status=429,
            notice=notice,
            product=product,
        )
    if not form.is_valid():
        return _render_form(
            request, survey=survey, touchpoint=touchpoint, form=form, language=language, status=400, product=product
        )
    answer = form.answer_input()
    if invitation is not None:
        # We know whom we invited; the customer need not type it again.
        answer.customer_name = answer.customer_name or invitation.customer_name
        answer.customer_email = answer.customer_email or invitation.customer_email
    try:
        response = services.response_submit(survey=survey, touchpoint=touchpoint, answer=answer, invitation=invitation)
    except services.SurveyClosed:
        return _closed(request, survey)
    except services.InvitationUsed:
        return _already_answered(request, survey)
    except ValidationError as error:
        for field, messages_ in error.message_dict.items():
            form.add_error(SERVICE_TO_FORM_FIELD.get(field, field if field in form.fields else None), messages_)
        return _render_form(
            request, survey=survey, touchpoint=touchpoint, form=form, language=language, status=400, product=product
        )
    return HttpResponseSeeOther(f"{thanks_url}&a={next_step.thanks_token(response)}")


# An anonymous form with no session: a CSRF token that expires on a phone left open would lose the answer.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, survey_key: str, touchpoint_key: str):
    survey, touchpoint = _public_or_404(survey_key, touchpoint_key)
    return _answer(request, survey=survey, touchpoint=touchpoint)


# Same reason as `answer`: the invitation link is opened without a session.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token: str):
    found = selectors.invitation_by_token(token=token)
    if found is None:
        raise Http404
    return _answer(request, survey=found.survey, touchpoint=found.touchpoint, invitation=found)


# The signed answer token in the link authorizes the one thing a POST here does (a passive's follow-up,
# stored once into an empty comment); like the answer page, it has no session to hold a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def thanks(request, survey_key: str, touchpoint_key: str):
    """The thank-you page, with the next step that fits the answer (see surveys.next_step)."""
    survey, touchpoint = _public_or_404(survey_key, touchpoint_key)
    language = _activate_language(request)
    token = request.GET.get("a", "")
    response = next_step.response_by_thanks_token(token) if token else None
    if response is not None and (response.survey_id != survey.pk or response.touchpoint_id != touchpoint.pk):
        response = None
    context = {
        "organization": survey.organization,
        "language": language,
        "title": _("Thank you for your answer!"),
        "band": next_step.answer_band(response) if response else "",
        "response": response,
        "token": token,
    }
    if response is not None and context["band"] == next_step.DETRACTOR:
        context["reply"] = _detractor_reply(response)
    elif response is not None and context["band"] == next_step.PROMOTER:
        context["review_links"] = next_step.review_links(location=touchpoint.location, response=response)
    elif response is not None and context["band"] == next_step.PASSIVE:
        if request.method == "POST":
            stored = next_step.response_add_followup(response=response, text=request.POST.get("followup", ""))
            context["followup_stored"] = stored
        context["ask_followup"] = not response.comment and not context.get("followup_stored")
        context["max_score"] = survey.spec.max_score
    zone = survey.organization.zone
    context["zone"] = str(zone)
    with timezone.override(zone):  # "by when" in the organization's clock, which the page names
        return render(request, "surveys/thanks.html", context)


def _detractor_reply(response) -> dict:
    """Who will contact a detractor and by when: the case's responsible person, by its SLA's first answer."""
    from otklik.sla.selectors import case_sla_state

    case = getattr(response, "case", None)
    if case is None:
        return {}
    state = case_sla_state(case=case, now=timezone.now())
    responsible = case.responsible
    return {
        "number": case.pk,
        "who": (responsible.first_name if responsible and responsible.first_name else ""),
        "location": case.location.name,
        "by": state.first_answer_due,
        "has_contact": bool(response.customer_email or response.customer_phone or response.customer_id),
    }


@require_GET
def review(request, token: str, site: str):
    """Count a promoter's click to a public review page, then send them there."""
    response = next_step.response_by_thanks_token(token)
    if response is None:
        raise Http404
    target = next_step.review_target(location=response.location, site=site)
    if not target:
        raise Http404
    if next_step.answer_band(response) == next_step.PROMOTER:
        next_step.response_review_click(response=response, site=site)
    return HttpResponseRedirect(target)


def _qr(survey_key: str, touchpoint_key: str) -> segno.QRCode:
    survey, touchpoint = _public_or_404(survey_key, touchpoint_key)
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


def _survey_or_404(request, survey_id: int) -> Survey:
    survey = selectors.survey_of(organization=request.membership.organization, survey_id=survey_id)
    if survey is None:
        raise Http404
    return survey


def _printable(request, survey_id: int, touchpoint_id: int):
    """What a printed card or act needs: the survey and touchpoint (404 for a stranger's), the language
    (`?lang=`, else the organization's) and the public link its QR code opens."""
    survey = _survey_or_404(request, survey_id)
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
                "languages": _language_links(language),
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
                "languages": _language_links(language),
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


def _list(
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
    return _list(request)


@membership_required(manage=True)
@require_POST
def survey_create(request):
    form = SurveyCreateForm(request.POST)
    if form.is_valid():
        try:
            survey = services.survey_create(
                organization=request.membership.organization,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"].strip(),
            )
        except ValidationError as error:
            form.add_error("kind", error)
        else:
            messages.success(request, _("The survey “%(name)s” was created.") % {"name": survey.name})
            return redirect("surveys:list")
    return _list(request, status=400, create_form=form)


@membership_required(manage=True)
@require_POST
def survey_toggle(request, survey_id: int):
    survey = _survey_or_404(request, survey_id)
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
def survey_rule(request, survey_id: int):
    survey = _survey_or_404(request, survey_id)
    form = CaseRuleForm(request.POST, auto_id=f"id_rule{survey.pk}_%s")
    if form.is_valid():
        try:
            services.survey_set_case_rule(
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
    return _list(request, status=400, rule_form=form, rule_survey_id=survey.pk)


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
    return _list(request, status=400, location_form=form)


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
    return _list(request, status=400, touchpoint_form=form)


def _question_or_404(request, survey: Survey, question_id: int) -> SurveyQuestion:
    question = survey.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


@membership_required(manage=True)
@require_POST
def question_add(request, survey_id: int):
    survey = _survey_or_404(request, survey_id)
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
    return _list(request, status=400, question_form=form, question_survey_id=survey.pk)


@membership_required(manage=True)
@require_POST
def question_move(request, survey_id: int, question_id: int):
    survey = _survey_or_404(request, survey_id)
    questions.question_move(question=_question_or_404(request, survey, question_id), up=request.POST.get("to") == "up")
    return redirect(reverse("surveys:list") + f"#survey-{survey.pk}")


@membership_required(manage=True)
@require_POST
def question_remove(request, survey_id: int, question_id: int):
    survey = _survey_or_404(request, survey_id)
    question = _question_or_404(request, survey, question_id)
    questions.question_remove(question=question)
    messages.success(request, _("The question was removed; the answers already given keep it."))
    return redirect(reverse("surveys:list") + f"#survey-{survey.pk}")
