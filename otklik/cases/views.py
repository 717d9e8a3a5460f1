"""Case pages: the list, one case with its next step, and one POST URL per step.

Every step view takes the case through `case_get` first (another organization's
or another location's case is a 404), refuses viewers (403), validates its form,
calls one service and redirects; a refused step re-renders the page with 400.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.accounts.models import Membership
from otklik.accounts.selectors import visible_locations
from otklik.cases import services
from otklik.cases.forms import (
    ApologizeForm,
    AssignForm,
    CannotFixForm,
    CaseFilterForm,
    FixForm,
    PrizeForm,
    PromiseForm,
    ReportForm,
    ThankForm,
)
from otklik.cases.models import Case, Step
from otklik.cases.selectors import (
    STATUS_OPEN,
    case_assignable_members,
    case_events,
    case_get,
    case_messages,
    case_progress,
    cases_visible,
)
from otklik.http import see_other

CASES_PER_PAGE = 50


@membership_required
def case_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    form = CaseFilterForm(request.GET, locations=visible_locations(membership=membership))
    form.is_valid()  # an invalid filter is shown with its error and ignored
    filters = form.cleaned_data
    location = filters.get("location")
    cases = cases_visible(
        membership=membership,
        status=filters.get("status") or STATUS_OPEN,
        step=filters.get("step") or "",
        location_id=location.pk if location else None,
        responsible=request.user if filters.get("responsible") == "mine" else None,
        severity=filters.get("severity") or "",
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"form": form, "page": page})


def may_assign(membership: Membership, case: Case) -> bool:
    """Whether the member may reassign the case: a manager, or its holder who works cases."""
    return membership.can_manage or (membership.can_work_cases and case.responsible_id == membership.user_id)


def _step_forms(case: Case, bound: dict[str, Form]) -> dict[str, Form]:
    """The form (or, at the promise step, the two alternatives) for the case's next step only."""
    if case.step == Step.NEW:
        return {"thank": bound.get("thank") or ThankForm()}
    if case.step == Step.THANKED:
        return {"apologize": bound.get("apologize") or ApologizeForm()}
    if case.step == Step.APOLOGIZED:
        return {
            "promise": bound.get("promise") or PromiseForm(),
            "cannot_fix": bound.get("cannot_fix") or CannotFixForm(),
        }
    if case.step == Step.PROMISED and not case.cannot_fix:
        return {"fix": bound.get("fix") or FixForm()}
    if case.step in (Step.PROMISED, Step.FIXED):
        # The measures usually are what step 4 recorded: offered, to be edited.
        return {"report": bound.get("report") or ReportForm(initial={"action_taken": case.fix_description})}
    return {}


def _render_case(
    request: HttpRequest, case: Case, *, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    membership = request.membership
    can_assign = may_assign(membership, case)
    assign_form = None
    if can_assign:
        assign_form = bound.get("assign") or AssignForm(
            people=case_assignable_members(membership=membership),
            initial={
                "responsible": case.responsible_id,
                "severity": case.severity,
                "planned_fix_date": case.planned_fix_date,
            },
        )
    step_forms = _step_forms(case, bound) if membership.can_work_cases else {}
    shown = {*step_forms.values(), assign_form}
    # A form posted for a step that is not the current one is not on the page: say why it was refused.
    stray_errors = [
        str(error)
        for form in bound.values()
        if form not in shown
        for errors in form.errors.values()
        for error in errors
    ]
    context = {
        "case": case,
        "progress": case_progress(case=case),
        "step_forms": step_forms,
        "stray_errors": stray_errors,
        "assign_form": assign_form,
        "events": case_events(case=case),
        "case_messages": case_messages(case=case),
        "prize_form": (bound.get("prize") or PrizeForm()) if membership.can_manage and not case.prize else None,
    }
    return render(request, "cases/detail.html", context, status=status)


@membership_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, case_get(membership=request.membership, case_id=case_id))


def case_action(
    request: HttpRequest,
    case_id: int,
    *,
    name: str,
    form: Form,
    action: Callable[[Case, dict], object],
    done: str,
    allowed: Callable[[Membership, Case], bool] = lambda membership, case: membership.can_work_cases,
) -> HttpResponse:
    """One step's POST: check the case (404 for a stranger's) and the member (403), validate, act, redirect."""
    # The case check comes first so that a stranger gets 404 whatever the method.
    case = case_get(membership=request.membership, case_id=case_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not allowed(request.membership, case):
        raise PermissionDenied
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            return see_other(reverse("cases:detail", args=[case.pk]))
    # The service runs in a transaction, so the database is unchanged; drop any in-memory edits too.
    case.refresh_from_db()
    return _render_case(request, case, bound={name: form}, status=400)


@membership_required
def case_thank(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="thank",
        form=ThankForm(request.POST),
        action=lambda case, data: services.case_thank(case=case, by=request.user, via=data["via"], note=data["note"]),
        done=_("The customer is marked as thanked."),
    )


@membership_required
def case_apologize(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="apologize",
        form=ApologizeForm(request.POST),
        action=lambda case, data: services.case_apologize(
            case=case,
            by=request.user,
            apology=data["apology"],
            compensation=data["compensation"],
            compensation_kind=data["compensation_kind"],
            compensation_amount=data["compensation_amount"],
            compensation_code=data["compensation_code"],
            via=data["via"],
        ),
        done=_("The apology is saved."),
    )


@membership_required
def case_promise(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="promise",
        form=PromiseForm(request.POST),
        action=lambda case, data: services.case_promise(
            case=case,
            by=request.user,
            fix_promise=data["fix_promise"],
            planned_fix_date=data["planned_fix_date"],
            via=data["via"],
        ),
        done=_("The fix is promised."),
    )


@membership_required
def case_cannot_fix(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="cannot_fix",
        form=CannotFixForm(request.POST),
        action=lambda case, data: services.case_promise(
            case=case,
            by=request.user,
            fix_promise=data["explanation"],
            planned_fix_date=None,
            cannot_fix=True,
            via=data["via"],
        ),
        done=_("The case is marked as impossible to fix. Now report that honestly to the customer."),
    )


@membership_required
def case_fix(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="fix",
        form=FixForm(request.POST),
        action=lambda case, data: services.case_fix(
            case=case, by=request.user, fix_description=data["fix_description"]
        ),
        done=_("The fix is recorded."),
    )


@membership_required
def case_report(request: HttpRequest, case_id: int) -> HttpResponse:
    if request.method == "POST" and "preview" in request.POST:
        return _report_preview(request, case_id)
    return case_action(
        request,
        case_id,
        name="report",
        form=ReportForm(request.POST),
        action=lambda case, data: services.case_report(
            case=case,
            by=request.user,
            via=data["via"],
            cause=data["cause"],
            action_taken=data["action_taken"],
            message=data["message"],
        ),
        done=_("The report is sent and the case is resolved."),
    )


def _report_preview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The report form again, its message filled with what the customer would get, to edit before sending."""
    case = case_get(membership=request.membership, case_id=case_id)
    if not request.membership.can_work_cases:
        raise PermissionDenied
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, bound={"report": form}, status=400)
    data = request.POST.copy()
    data["message"] = services.case_report_preview(
        case=case, cause=form.cleaned_data["cause"], action_taken=form.cleaned_data["action_taken"]
    )
    return _render_case(request, case, bound={"report": ReportForm(data)})


@membership_required
def case_prize(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="prize",
        form=PrizeForm(request.POST),
        action=lambda case, data: services.case_grant_prize(case=case, by=request.user, prize=data["prize"]),
        done=_("The prize is granted and the customer will be told."),
        allowed=lambda membership, case: membership.can_manage,
    )
