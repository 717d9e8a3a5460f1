"""The executive report of one month: a printable page and the same as a PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from otklik.accounts.decorators import membership_required
from otklik.dashboard import report as reports
from otklik.dashboard.metrics_forms import ReportPeriodForm
from otklik.dashboard.report_pdf import report_pdf_bytes


def _report(request: HttpRequest) -> tuple[ReportPeriodForm, reports.ExecutiveReport | None]:
    membership = request.membership
    tz = membership.organization.zone
    form = ReportPeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    month = (form.cleaned_data.get("period") if form.is_bound else None) or reports.default_month(
        membership=membership, tz=tz, today=timezone.localdate(timezone=tz)
    )
    if not form.is_bound:
        form = ReportPeriodForm(initial={"period": f"{month:%Y-%m}"})
    return form, reports.executive_report(membership=membership, tz=tz, month=month, now=timezone.now())


@membership_required
def report_page(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    status = 400 if report is None else 200
    return render(request, "dashboard/report.html", {"form": form, "report": report}, status=status)


@membership_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return render(request, "dashboard/report.html", {"form": form, "report": None}, status=400)
    content = report_pdf_bytes(
        report=report, organization_name=request.membership.organization.name, membership=request.membership
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="otklik-report-{report.month:%Y-%m}.pdf"'
    return response
