"""The dashboard (metrics and open cases) and the list of answers."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.accounts.models import Location, Membership
from otklik.dashboard import selectors
from otklik.dashboard.forms import AnswersFilterForm, PeriodFilterForm
from otklik.rollups.metrics import METRICS
from otklik.rollups.models import ResponseRollup
from otklik.sla.selectors import sla_open_aggregates, sla_policy_set, sla_summary

ANSWERS_PER_PAGE = 50
OLDEST_CASES_SHOWN = 10


def _axis(kind: str) -> dict:
    """How a chart draws a metric: its scale and what its number means (as the metric defines it)."""
    metric = METRICS[kind]
    return {"min": metric.chart_min, "max": metric.chart_max, "title": str(metric.chart_title)}


def _metric_section(*, responses, kind: str, tz) -> dict:
    """One metric's headline, its tables and the data of its charts."""
    headline = selectors.metric(qs=responses, kind=kind)
    section = {"kind": kind, "label": METRICS[kind].label, "headline": headline, "by_touchpoint": [], "by_month": []}
    if headline.count:
        section["by_touchpoint"] = selectors.metric_by_touchpoint(qs=responses, kind=kind)
        section["by_month"] = selectors.metric_by_month(qs=responses, kind=kind, tz=tz)
    return section


def _chart_data(sections: list[dict]) -> dict:
    return {
        section["kind"]: {
            **_axis(section["kind"]),
            "label": section["label"],
            "by_touchpoint": {
                "labels": [row.label for row in section["by_touchpoint"]],
                "values": [row.metric.score for row in section["by_touchpoint"]],
                "counts": [row.metric.count for row in section["by_touchpoint"]],
            },
            "by_month": {
                "labels": [formats.date_format(row.month, "YEAR_MONTH_FORMAT") for row in section["by_month"]],
                "values": [row.metric.score for row in section["by_month"]],
                "counts": [row.metric.count for row in section["by_month"]],
            },
        }
        for section in sections
        if section["headline"].count
    }


def _open_cases(*, membership: Membership, location: Location | None) -> dict:
    """The open cases' cards: holders, count, oldest, and the SLA card's figures (its open ones from the same read).

    Open cases are the state of things now, so the period does not narrow them; the location does.
    """
    now = timezone.now()
    policies = sla_policy_set(organization=membership.organization)  # read once for the SLA card and "my cases"
    open_cases = selectors.cases_open(membership=membership, location=location)
    # With a policy for some customer segment the SLA card counts every figure over the cases itself (0037): the
    # open cases are then not joined to their customers here for figures nobody would use.
    figures = None if policies.by_segment else sla_open_aggregates(policies=policies, now=now)
    read = selectors.cases_open_read(cases=open_cases, figures=figures)
    return {
        "open_case_count": read.count,
        "case_holders": read.holders,
        "oldest_cases": selectors.cases_open_oldest(cases=open_cases, limit=OLDEST_CASES_SHOWN),
        "sla_policies": policies,
        "sla_summary": sla_summary(
            membership=membership,
            now=now,
            location=location,
            policies=policies,
            open_figures=read.figures if figures else None,
        ),
    }


@membership_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    tz = membership.organization.zone
    form = PeriodFilterForm(request.GET or None, membership=membership)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "tz": tz, "sections": [], "chart_data": {}}
        return render(request, "dashboard/home.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    # The answers of the period and place, or their daily rollups when those are current.
    source = selectors.metrics_source(
        membership=membership,
        tz=tz,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
    )
    answer_sums = None  # the loyalty card reads what it needs itself
    if source.model is ResponseRollup:  # every kind's three figures (and the loyalty card's sums) from one read
        figures, answer_sums = selectors.overview_from_rollups(qs=source, kinds=selectors.METRIC_KINDS)
        sections = [
            {
                "kind": kind,
                "label": METRICS[kind].label,
                "headline": figures[kind].headline,
                "by_touchpoint": figures[kind].by_touchpoint,
                "by_month": figures[kind].by_month,
            }
            for kind in selectors.METRIC_KINDS
        ]
    else:
        sections = [_metric_section(responses=source, kind=kind, tz=tz) for kind in selectors.METRIC_KINDS]
    context = {
        "form": form,
        "tz": tz,
        "sections": sections,
        "chart_data": _chart_data(sections),
        "answer_sums": answer_sums,
        **_open_cases(membership=membership, location=filters.get("location")),
        "reviews": selectors.review_outcomes(
            qs=selectors.responses_filter(
                qs=selectors.responses_visible(membership=membership),
                tz=tz,
                date_from=filters.get("date_from"),
                date_to=filters.get("date_to"),
                location=filters.get("location"),
            )
        ),
    }
    return render(request, "dashboard/home.html", context)


def _answers_file(request: HttpRequest, *, responses, tz, export: str) -> HttpResponse:
    """The filtered answers as a file, every question's answer in its own column."""
    from otklik.dashboard import exports
    from otklik.dashboard.answers_export import answers_export_rows
    from otklik.insights.selectors import may_see_original

    headers, rows = answers_export_rows(responses, tz=tz, show_original=may_see_original(membership=request.membership))
    name = f"otklik-answers-{timezone.localdate(timezone=tz).isoformat()}"
    if export == "csv":
        response = HttpResponse(exports.csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.xlsx_bytes(headers, rows, title=_("Answers")), content_type=exports.XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
    return response


@membership_required
def answers(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    tz = membership.organization.zone
    form = AnswersFilterForm(request.GET or None, membership=membership)
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/answers.html", {"form": form, "tz": tz, "page_obj": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    responses = selectors.responses_filter(
        qs=selectors.responses_visible(membership=membership),
        tz=tz,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        location=filters.get("location"),
        touchpoint=filters.get("touchpoint"),
        survey=filters.get("survey"),
        kind=filters.get("kind", ""),
        score_min=filters.get("score_min"),
        score_max=filters.get("score_max"),
        has_comment=form.has_comment_value if form.is_bound else None,
        text=filters.get("q", ""),
        segment=filters.get("segment", ""),
        tag=filters.get("tag"),
    )
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _answers_file(request, responses=selectors.responses_for_list(qs=responses), tz=tz, export=export)
    page_obj = Paginator(selectors.responses_for_list(qs=responses), ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/answers.html", {"form": form, "tz": tz, "page_obj": page_obj})
