"""The case pages that start the complaint flow: a complaint recorded by hand, a CSV of complaints, and a
reassignment (which alerts the new holder). The rest of the case pages are in cases; these keep their URL
names in the "cases" namespace (`intake/urls.py`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.accounts.selectors import visible_locations, visible_touchpoints
from otklik.cases.forms import AssignForm, CaseCreateForm
from otklik.cases.selectors import case_assignable_members
from otklik.cases.views import case_action, may_assign
from otklik.http import see_other
from otklik.intake.complaints import complaint_open, complaint_reassign


@membership_required
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    return case_action(
        request,
        case_id,
        name="assign",
        form=AssignForm(request.POST, people=case_assignable_members(membership=request.membership)),
        action=lambda case, data: complaint_reassign(
            case=case,
            by=request.user,
            responsible=data["responsible"],
            severity=data["severity"],
            planned_fix_date=data["planned_fix_date"],
        ),
        done=_("The assignment is saved."),
        allowed=may_assign,
    )


@membership_required
def case_create(request: HttpRequest) -> HttpResponse:
    """A complaint recorded by hand: managers for any location, employees for their own."""
    membership = request.membership
    if not membership.can_work_cases:
        raise PermissionDenied
    form = CaseCreateForm(
        request.POST or None,
        locations=visible_locations(membership=membership),
        touchpoints=visible_touchpoints(membership=membership),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = complaint_open(
                location=data["location"],
                touchpoint=data["touchpoint"],
                content=data["content"],
                customer_name=data["customer_name"],
                customer_email=data["customer_email"],
                customer_phone=data["customer_phone"],
                severity=data["severity"],
                created_at=data["received_at"],
                source=data["source"],
                by=request.user,
                note=_("Recorded by hand"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The complaint is recorded as a case."))
            return see_other(reverse("cases:detail", args=[case.pk]))
    status = 400 if form.is_bound else 200
    return render(request, "cases/create.html", {"form": form}, status=status)
