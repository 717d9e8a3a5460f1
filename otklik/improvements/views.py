"""Improvement pages, chronic problems, and the POSTs of the case page's panel.

Every member reads improvements; owners and managers create, link and complete them.
An object of another organization (or a case outside an employee's locations) is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from otklik.accounts.decorators import membership_required
from otklik.cases.selectors import case_get
from otklik.http import form_add_errors, see_other
from otklik.improvements import chronic, selectors, services
from otklik.improvements.forms import CaseLinkForm, CompleteForm, ContactAttemptForm, ImprovementForm, LinkCasesForm
from otklik.improvements.models import Improvement, ImprovementStatus
from otklik.improvements.scripts import call_scripts

PER_PAGE = 50


@membership_required
def improvement_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ImprovementStatus.values:
        status = ""
    improvements = selectors.improvements_visible(membership=request.membership, status=status)
    page = Paginator(improvements, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvements/list.html",
        {"page": page, "status": status, "statuses": ImprovementStatus.choices},
    )


@membership_required(manage=True)
def improvement_create(request: HttpRequest) -> HttpResponse:
    people = selectors.improvement_owners(membership=request.membership)
    form = ImprovementForm(request.POST or None, people=people, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            improvement = services.improvement_create(organization=request.membership.organization, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The improvement is saved. Now link the complaints it answers."))
            return see_other(reverse("improvements:detail", args=[improvement.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "improvements/form.html", {"form": form, "improvement": None}, status=status)


@membership_required
def improvement_edit(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = _managed_improvement(request, improvement_id)
    people = selectors.improvement_owners(membership=request.membership)
    initial = {
        "title": improvement.title,
        "description": improvement.description,
        "owner": improvement.owner_id,
        "due_date": improvement.due_date,
        "status": improvement.status,
    }
    form = ImprovementForm(request.POST or None, people=people, initial=initial)
    if improvement.is_done:
        del form.fields["status"]
    if request.method == "POST" and form.is_valid():
        try:
            services.improvement_update(improvement=improvement, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The improvement is saved."))
            return see_other(reverse("improvements:detail", args=[improvement.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "improvements/form.html", {"form": form, "improvement": improvement}, status=status)


def _render_detail(request: HttpRequest, improvement: Improvement, *, link_form=None, status: int = 200):
    membership = request.membership
    candidates = selectors.improvement_link_candidates(membership=membership, improvement=improvement)
    if membership.can_manage and link_form is None:
        link_form = LinkCasesForm(candidates=candidates)
    if link_form is not None and not selectors.improvement_similarity(improvement=improvement):
        # Nothing linked and no theme named by the title: the list is the newest, and it says so.
        link_form.fields["cases"].label = _("Or pick from the newest cases (link one to see similar ones)")
    context = {
        "improvement": improvement,
        "cases": selectors.improvement_cases(membership=membership, improvement=improvement),
        "link_form": link_form if membership.can_manage else None,
        "to_tell": selectors.improvement_customers_to_tell(improvement=improvement),
    }
    return render(request, "improvements/detail.html", context, status=status)


@membership_required
def improvement_detail(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = selectors.improvement_get(membership=request.membership, improvement_id=improvement_id)
    return _render_detail(request, improvement)


def _managed_improvement(request: HttpRequest, improvement_id: int) -> Improvement:
    """The improvement for a manager's POST; the object check comes first so a stranger gets 404 whatever else."""
    improvement = selectors.improvement_get(membership=request.membership, improvement_id=improvement_id)
    if not request.membership.can_manage:
        raise PermissionDenied
    return improvement


@membership_required
def improvement_link(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = _managed_improvement(request, improvement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = request.membership
    candidates = selectors.improvement_link_candidates(membership=membership, improvement=improvement)
    # Picks are checked against every case the member sees: the candidate list may have moved on.
    form = LinkCasesForm(request.POST, candidates=selectors.cases_linkable(membership=membership))
    if form.is_valid():
        found, missing = selectors.cases_by_numbers(membership=membership, numbers=form.cleaned_data["numbers"])
        if missing:
            form.add_error(
                "numbers",
                _("No case with the number(s) %(numbers)s in your organization.")
                % {"numbers": ", ".join(f"#{number}" for number in missing)},
            )
        else:
            try:
                linked = services.improvement_link_cases(
                    improvement=improvement, cases=[*found, *form.cleaned_data["cases"]], by=request.user
                )
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d case linked.", "%(count)d cases linked.", linked) % {"count": linked},
                )
                return see_other(reverse("improvements:detail", args=[improvement.pk]))
    form.fields["cases"].queryset = candidates
    return _render_detail(request, improvement, link_form=form, status=400)


@membership_required
def improvement_unlink(request: HttpRequest, improvement_id: int, case_id: int) -> HttpResponse:
    improvement = _managed_improvement(request, improvement_id)
    case = case_get(membership=request.membership, case_id=case_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services.improvement_unlink_case(improvement=improvement, case=case):
        messages.success(request, _("The case is no longer linked."))
    return see_other(reverse("improvements:detail", args=[improvement.pk]))


@membership_required
def improvement_complete(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = _managed_improvement(request, improvement_id)
    form = CompleteForm(request.POST or None, initial={"what_changed": improvement.what_changed})
    if request.method == "POST" and form.is_valid():
        try:
            told = services.improvement_complete(
                improvement=improvement, by=request.user, what_changed=form.cleaned_data["what_changed"]
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "The improvement is done. %(count)d customer will hear what changed thanks to them.",
                    "The improvement is done. %(count)d customers will hear what changed thanks to them.",
                    told,
                )
                % {"count": told},
            )
            return see_other(reverse("improvements:detail", args=[improvement.pk]))
    context = {
        "improvement": improvement,
        "form": form,
        "to_tell": selectors.improvement_customers_to_tell(improvement=improvement),
        "linked": improvement.links.count(),
    }
    return render(request, "improvements/complete.html", context, status=400 if request.method == "POST" else 200)


@membership_required
def chronic_problems(request: HttpRequest) -> HttpResponse:
    report = chronic.chronic_problems(membership=request.membership)
    return render(request, "improvements/chronic.html", {"report": report, "days": chronic.CHRONIC_DAYS})


def _case_url(case_id: int, anchor: str) -> str:
    return reverse("cases:detail", args=[case_id]) + anchor


@membership_required
def case_contact(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record how a personal call or visit went; a refused form is shown again with its script."""
    case = case_get(membership=request.membership, case_id=case_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.membership.can_work_cases:
        raise PermissionDenied
    form = ContactAttemptForm(request.POST)
    if form.is_valid():
        try:
            services.contact_attempt_record(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The contact is recorded."))
            return see_other(_case_url(case.pk, "#call-script"))
    context = {"case": case, "form": form, "scripts": call_scripts(case=case, employee=request.user)}
    return render(request, "improvements/contact_form.html", context, status=400)


@membership_required
def case_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """Link the case to an improvement from the case page."""
    case = case_get(membership=request.membership, case_id=case_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.membership.can_manage:
        raise PermissionDenied
    form = CaseLinkForm(request.POST, improvements=selectors.improvements_open(membership=request.membership))
    if form.is_valid():
        improvement = form.cleaned_data["improvement"]
        services.improvement_link_cases(improvement=improvement, cases=[case], by=request.user)
        messages.success(request, _("The case is linked to “%(title)s”.") % {"title": improvement.title})
    else:
        messages.error(request, _("Choose an improvement that is not done yet."))
    return see_other(_case_url(case.pk, "#improvements"))
