"""The metrics page (D5): every metric by a chosen breakdown, an NPS comparison, charts and exports."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.dashboard import exports, metrics
from otklik.dashboard.metrics_forms import MetricsFilterForm
from otklik.rollups.metrics import CSAT, NPS


def _period_label(date_from: datetime.date | None, date_to: datetime.date | None) -> str:
    if date_from is None and date_to is None:
        return _("All time")
    start = formats.date_format(date_from, "SHORT_DATE_FORMAT") if date_from else "…"
    end = formats.date_format(date_to, "SHORT_DATE_FORMAT") if date_to else "…"
    return f"{start} – {end}"


def _comparison(filters: dict, scope: metrics.Scope) -> metrics.NpsComparison | None:
    """The NPS comparison the member asked for: b is what they look at, a what it is set against."""
    compare = filters.get("compare")
    if compare == "previous":
        a_from, a_to = metrics.previous_period(date_from=scope.date_from, date_to=scope.date_to)
        before = metrics.Scope(
            membership=scope.membership, tz=scope.tz, date_from=a_from, date_to=a_to, location=scope.location
        )
        return metrics.nps_compare(
            a=before,
            b=scope,
            label_a=_period_label(a_from, a_to),
            label_b=_period_label(scope.date_from, scope.date_to),
        )
    if compare == "location":
        other = filters["compare_location"]
        against = metrics.Scope(
            membership=scope.membership, tz=scope.tz, date_from=scope.date_from, date_to=scope.date_to, location=other
        )
        here = scope.location.name if scope.location else _("All locations")
        return metrics.nps_compare(a=scope, b=against, label_a=here, label_b=other.name)
    return None


def _chart_data(table: metrics.MetricsTable) -> dict:
    """NPS and CSAT per row with their intervals; empty groups are left out of each chart."""

    def series(attr: str) -> dict:
        rows = [row for row in table.rows if getattr(row, attr) is not None]
        return {
            "labels": [row.label for row in rows],
            "values": [round(getattr(row, attr).value, 1) for row in rows],
            "ranges": [[round(getattr(row, attr).low, 1), round(getattr(row, attr).high, 1)] for row in rows],
            "counts": [getattr(row, attr).count for row in rows],
        }

    return {
        **{
            metric.code: {
                **series(metric.code),
                "label": metric.label,
                "min": metric.chart_min,
                "max": metric.chart_max,
                "title": str(metric.series_title),
            }
            for metric in (NPS, CSAT)
        },
        "interval_label": _("interval (95%)"),
    }


def _export_query(request: HttpRequest, kind: str) -> str:
    query = request.GET.copy()
    query["export"] = kind
    return query.urlencode()


@membership_required
def metrics_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    tz = membership.organization.zone
    form = MetricsFilterForm(request.GET or None, membership=membership)
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/metrics.html", {"form": form, "table": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    by = filters.get("by") or "touchpoint"
    scope = metrics.Scope(
        membership=membership,
        tz=tz,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
    )
    table = metrics.metrics_table(scope=scope, by=by, now=timezone.now())
    export = filters.get("export")
    if export:
        headers, rows = exports.metrics_export_rows(table)
        name = f"otklik-metrics-{by}-{timezone.localdate(timezone=tz).isoformat()}"
        if export == "csv":
            response = HttpResponse(
                exports.csv_bytes(headers, rows, membership=request.membership), content_type="text/csv; charset=utf-8"
            )
        else:
            content = exports.xlsx_bytes(
                headers, rows, title=str(metrics.BREAKDOWNS[by]), membership=request.membership
            )
            response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
        return response
    context = {
        "form": form,
        "by": by,
        "by_label": metrics.BREAKDOWNS[by],
        "is_period": by in metrics.PERIOD_BREAKDOWNS,
        "period_label": _period_label(scope.date_from, scope.date_to),
        "table": table,
        "comparison": _comparison(filters, scope),
        "chart_data": _chart_data(table) if table.rows else {},
        "csv_query": _export_query(request, "csv"),
        "xlsx_query": _export_query(request, "xlsx"),
    }
    return render(request, "dashboard/metrics.html", context)
