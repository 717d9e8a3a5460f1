"""The people page (F2): service indicators per employee and department, and the best of the period."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.dashboard import exports, people
from otklik.dashboard.metrics import Scope
from otklik.dashboard.metrics_forms import PeopleFilterForm


@membership_required
def people_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    tz = membership.organization.zone
    form = PeopleFilterForm(request.GET or None, membership=membership)
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/people.html", {"form": form, "report": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    if date_from is None and date_to is None:
        date_from, date_to = people.default_period(today=timezone.localdate(timezone=tz))
        if not form.is_bound:
            form = PeopleFilterForm(initial={"date_from": date_from, "date_to": date_to}, membership=membership)
    scope = Scope(membership=membership, tz=tz, date_from=date_from, date_to=date_to, location=filters.get("location"))
    report = people.people_report(scope=scope, min_answers=filters.get("min_answers") or people.MIN_ANSWERS_TO_RANK)
    export = filters.get("export")
    if export:
        headers, rows = exports.people_export_rows(report)
        name = (
            f"otklik-people-{date_from.isoformat()}-{date_to.isoformat()}" if date_from and date_to else "otklik-people"
        )
        if export == "csv":
            response = HttpResponse(
                exports.csv_bytes(headers, rows, membership=request.membership), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                exports.xlsx_bytes(headers, rows, title=_("People"), membership=request.membership),
                content_type=exports.XLSX_CONTENT_TYPE,
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
        return response
    query = request.GET.copy()
    query.pop("export", None)
    context = {"form": form, "report": report, "scope": scope, "export_query": query.urlencode()}
    return render(request, "dashboard/people.html", context)
