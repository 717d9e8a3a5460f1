"""Upload → choose the columns → check (every bad row listed) → import, with a progress bar."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from otklik.accounts.decorators import membership_required
from otklik.accounts.selectors import visible_locations
from otklik.http import see_other
from otklik.imports import complaints, jobs
from otklik.imports.cleaning import DATE_FORMATS
from otklik.imports.forms import ComplaintImportForm, MappingForm, UploadForm
from otklik.imports.mapping import KINDS, field_names, header_currency
from otklik.imports.models import ImportJob

ERRORS_PER_PAGE = 50


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, organization=request.membership.organization)


@membership_required(manage=True)
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form and the organization's recent imports."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.job_create(
                organization=request.membership.organization,
                user=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return see_other(reverse("imports:detail", args=[job.pk]))
    recent = ImportJob.objects.filter(organization=request.membership.organization).select_related("created_by")[:30]
    return render(request, "imports/list.html", {"form": form, "jobs": recent}, status=400 if form.errors else 200)


@membership_required(manage=True)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One file: its columns to choose, the check's findings, the import and its outcome.

    The page never reads the file: its header and first rows were kept at upload, so
    it shows the same once the file is removed (after the import, or unimported for a week).
    """
    job = _job(request, pk)
    form = MappingForm(
        request.POST or None,
        kind=job.kind,
        header=job.header,
        mapping=job.mapping,
        date_format=job.date_format,
        without_customer=job.without_customer,
        new_locations=job.new_locations,
        notify=job.notify,
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "import":
                jobs.job_start(job=job, dry_run=False)
                return see_other(reverse("imports:detail", args=[job.pk]))
            if form.is_valid():
                jobs.job_set_mapping(job=job, mapping=form.mapping(), **form.choices())
                jobs.job_start(job=job, dry_run=True)
                return see_other(reverse("imports:detail", args=[job.pk]))
        except ValidationError as exc:
            form.add_error(None, exc)
        status = 400
        job.refresh_from_db()
    samples = job.samples or []
    columns = [
        {"field": field, "samples": [row[index] if index < len(row) else "" for row in samples]}
        for index, field in enumerate(form.column_fields())
    ]
    errors = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/detail.html",
        {
            "job": job,
            "busy": jobs.job_busy(job),
            "form": form,
            "columns": columns,
            "columns_hidden": max(len(job.header) - len(columns), 0),
            "currency": _currency_source(job),
            "dates_read_as": DATE_FORMATS.get(job.dates_read_as, ""),
            "kinds": _kind_counts(job),
            "page": errors,
            "progress": jobs.job_progress(job),
        },
        status=status,
    )


def _currency_source(job: ImportJob) -> dict:
    """Where a purchases file's currency comes from: its column, or the organization's currency."""
    index = job.mapping.get("currency")
    if index is not None and index < len(job.header):
        return {"column": job.header[index], "code": job.organization.currency}
    named, column = header_currency(job.header, job.mapping)  # "Ціна, грн": the amounts' column names it
    if named:
        return {"column": "", "code": named, "named_by": column}
    return {"column": "", "code": job.organization.currency}


def _kind_counts(job: ImportJob) -> list[dict]:
    """The import's changes per kind, in a fixed order, with the kind's name to show."""
    counts = job.kinds or {}
    return [
        {"kind": kind, "name": name, **{key: counts[kind].get(key) for key in ("created", "updated", "unchanged")}}
        for kind, name in KINDS.items()
        if kind in counts
    ]


@require_GET
@membership_required(manage=True)
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, for htmx polling; once the job is finished the page reloads itself."""
    job = _job(request, pk)
    if not jobs.job_busy(job) and request.htmx:
        return HttpResponseClientRefresh()
    return render(
        request, "imports/_progress.html", {"job": job, "busy": jobs.job_busy(job), "progress": jobs.job_progress(job)}
    )


@require_GET
@membership_required(manage=True)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty CSV with the field names as its header, to fill in."""
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="otklik-{kind}.csv"'
    csv.writer(response).writerow(field_names(kind))
    return response


@membership_required(manage=True)
def complaint_import(request: HttpRequest) -> HttpResponse:
    """/cases/import/: "Check" lists every bad row, "Import" opens a case for every row or for none.

    The same reading and checking as /imports/, at once and with the guessed columns; a file whose
    columns need choosing, or a big one, goes through /imports/ as "Complaints".
    """
    form = ComplaintImportForm(request.POST or None, request.FILES or None)
    preview, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                preview = complaints.complaints_check(
                    data=form.cleaned_data["file"].read(),
                    organization=request.membership.organization,
                    locations=visible_locations(membership=request.membership),
                )
                if "import" in request.POST and preview.ok:
                    opened = complaints.complaints_import(
                        preview=preview, by=request.user, notify=form.cleaned_data["notify"]
                    )
                    messages.success(request, _("%(n)s complaint(s) imported as cases.") % {"n": len(opened)})
                    return see_other(reverse("cases:list"))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                status = 200 if preview.ok else 400
    return render(
        request,
        "imports/complaints.html",
        {"form": form, "preview": preview, "columns": field_names("complaints")},
        status=status,
    )
