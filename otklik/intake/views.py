"""The public answer pages: the form a link, QR code or invitation opens, the thank-you page with its next
step, and a promoter's click to a review site.

They live here, not in surveys, because a POST runs the whole answer flow (`intake.answers.answer_receive`).
Their URL names stay in the "surveys" namespace (`intake/urls.py`); the templates stay in surveys.
"""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from otklik.http import public_post
from otklik.intake.answers import answer_process, answer_receive, followup_receive
from otklik.sla.selectors import case_sla_state
from otklik.surveys import next_step, selectors
from otklik.surveys.forms import SERVICE_TO_FORM_FIELD, AnswerForm
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Invitation, QuestionKind, Survey
from otklik.surveys.questions import field_name
from otklik.surveys.services import MAX_COMMENT, InvitationUsed, SurveyClosed
from otklik.surveys.spam import answer_rate_count, is_honeypot_filled
from otklik.surveys.views import ACT_DISSATISFIED, ACT_SATISFIED, activate_language, language_links, public_or_404


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303 makes the browser GET the thank-you page, so "reload" cannot post the answer twice.
    status_code = 303


def _thanks_path(survey_key: str, touchpoint_key: str) -> str:
    """The thank-you page's path for a link: `reverse` once per link, URLconf and script prefix in this process
    (reversing cost about 3 % of the public answer's CPU, decision 0051)."""
    return _thanks_path_in(survey_key, touchpoint_key, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=1024)
def _thanks_path_in(survey_key: str, touchpoint_key: str, prefix: str, urlconf) -> str:
    # `reverse` reads the prefix itself; it is in the key so a path made under another prefix is not reused.
    return reverse("surveys:thanks", args=[survey_key, touchpoint_key], urlconf=urlconf)


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
        "languages": language_links(language),
        "max_comment": MAX_COMMENT,
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
    language = activate_language(request, fallback=invitation.language if invitation else "")
    if not survey.is_open:
        return _closed(request, survey)
    if invitation is not None and invitation.answered_at is not None:
        return _already_answered(request, survey)
    thanks_url = _thanks_path(survey.public_key, touchpoint.public_key) + f"?lang={language}"
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
    # The attempt is counted first; the form is checked while the cache answers, the count read after.
    rate_exceeded = answer_rate_count(client_ip=request.META.get("REMOTE_ADDR", ""))
    form.is_valid()
    if rate_exceeded():
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
        # The answer and its rollup count commit here; its rules, case and alerts run in the worker right after.
        response = answer_receive(
            survey=survey, touchpoint=touchpoint, answer=answer, invitation=invitation, rules_later=True
        )
    except SurveyClosed:
        return _closed(request, survey)
    except InvitationUsed:
        return _already_answered(request, survey)
    except ValidationError as error:
        for field, messages_ in error.message_dict.items():
            form.add_error(SERVICE_TO_FORM_FIELD.get(field, field if field in form.fields else None), messages_)
        return _render_form(
            request, survey=survey, touchpoint=touchpoint, form=form, language=language, status=400, product=product
        )
    return HttpResponseSeeOther(f"{thanks_url}&a={next_step.thanks_token(response)}")


# An anonymous form with no session: a CSRF token that expires on a phone left open would lose the answer.
# Its POST runs the short middleware stack (otklik.handlers, decision 0076).
@public_post
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, survey_key: str, touchpoint_key: str):
    survey, touchpoint = public_or_404(survey_key, touchpoint_key)
    return _answer(request, survey=survey, touchpoint=touchpoint)


# Same reasons as `answer`: the invitation link is opened without a session.
@public_post
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
    survey, touchpoint = public_or_404(survey_key, touchpoint_key)
    language = activate_language(request)
    token = request.GET.get("a", "")
    response = next_step.response_by_thanks_token(token) if token else None
    if response is not None and (response.survey_id != survey.pk or response.touchpoint_id != touchpoint.pk):
        response = None
    if response is not None and response.rules_pending and response.score in survey.spec.detractors:
        # A complaint's page names its case, who calls and by when: if the worker has not opened the case yet,
        # open it here, through the same claim as the worker's (whoever comes second finds it done).
        answer_process(response=response)
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
            stored = followup_receive(response=response, text=request.POST.get("followup", ""))
            context["followup_stored"] = stored
        context["ask_followup"] = not response.comment and not context.get("followup_stored")
        context["max_score"] = survey.spec.max_score
    zone = survey.organization.zone
    context["zone"] = str(zone)
    with timezone.override(zone):  # "by when" in the organization's clock, which the page names
        return render(request, "surveys/thanks.html", context)


def _detractor_reply(response) -> dict:
    """Who will contact a detractor and by when: the case's responsible person, by its SLA's first answer."""
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
