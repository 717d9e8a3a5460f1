"""Import jobs from the web: keep the upload under VAR_DIR, guess the columns, run the check and the import.

The check (a dry run) and the import run as tasks; while one runs, its progress is
written to a small file beside the upload, because the import's own transaction
holds its writes back from every other connection until it commits.
"""

import json
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.imports.cleaning import DATE_FORMATS, NEW_LOCATIONS, WITHOUT_CUSTOMER
from otklik.imports.mapping import field_names, guess_mapping, mapping_problems
from otklik.imports.models import ImportJob, ImportSettings, ImportStatus
from otklik.imports.readers import GUESS_ROWS, SHOWN_ROWS, FileError, FileFormat, detect_format, read_start
from otklik.imports.services import DatesAmbiguous, import_file, read_options, wrong_kind_message

logger = logging.getLogger(__name__)
# A check or import whose progress has not moved for this long lost its worker; it may be started again.
STALLED_AFTER_SECONDS = 15 * 60
# An uploaded file holds customers' data: it is removed once imported, or this many days after an upload
# that was never imported (the job and its report stay; an empty stored_name means the file is gone).
UNIMPORTED_FILES_KEPT_DAYS = 7


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def job_path(job: ImportJob) -> Path:
    return imports_dir() / job.stored_name


def job_format(job: ImportJob) -> FileFormat:
    return FileFormat(job.file_format, job.encoding or "utf-8-sig", job.delimiter or ",")


def _progress_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.stored_name}.progress.json"


def check_upload_size(size: int) -> None:
    """Refuse a file over OTKLIK_IMPORT_MAX_BYTES, saying what to do instead."""
    limit = settings.OTKLIK_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _(
                "The file is %(size)s MB; the largest accepted is %(limit)s MB. "
                "Split it, or use the “otklik import” command."
            )
            % {"size": round(size / 2**20, 1), "limit": round(limit / 2**20)}
        )


def job_create(*, organization: Organization, user: User, kind: str, upload: UploadedFile) -> ImportJob:
    """Keep an uploaded file and read its header; raises ValidationError when it is too big or unreadable."""
    check_upload_size(upload.size)
    name = f"{organization.pk}/{uuid.uuid4().hex}"
    path = imports_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for piece in upload.chunks():
            f.write(piece)
    try:
        # What the file is comes from its content, never from its name.
        fmt = detect_format(path)
        if kind not in fmt.kinds:
            raise FileError(wrong_kind_message(fmt))
        header, samples = read_start(path, fmt, n=GUESS_ROWS)
    except FileError as exc:
        path.unlink(missing_ok=True)
        raise ValidationError(str(exc)) from exc
    suffix = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods", "csv": ".csv"}.get(fmt.kind, ".xml")
    stored_name = f"{name}{suffix}"
    path.rename(imports_dir() / stored_name)
    remembered = ImportSettings.objects.filter(organization=organization).first()
    return ImportJob.objects.create(
        organization=organization,
        created_by=user,
        kind=kind,
        original_name=os.path.basename(upload.name)[:255],
        stored_name=stored_name,
        size=upload.size,
        file_format=fmt.kind,
        encoding=fmt.encoding if fmt.kind == "csv" else "",
        delimiter=fmt.delimiter if fmt.kind == "csv" else "",
        header=header,
        samples=samples[:SHOWN_ROWS],
        mapping=guess_mapping(kind, header, samples),
        without_customer=(remembered and remembered.without_customer) or "anonymous",
        new_locations=(remembered and remembered.new_locations) or "add",
    )


def job_set_mapping(
    *,
    job: ImportJob,
    mapping: dict[str, int],
    date_format: str | None = None,
    without_customer: str | None = None,
    new_locations: str | None = None,
    notify: bool | None = None,
) -> None:
    """Store the columns and choices the manager made; raises ValidationError with the reasons when they cannot work.

    An answer about the order of day and month, and the choices for rows without a
    customer and for locations not set up, are remembered for the organization's next file.
    """
    if job_busy(job):
        raise ValidationError(_("The file is being processed; wait until it finishes."))
    known = set(field_names(job.kind))
    mapping = {name: index for name, index in mapping.items() if name in known and 0 <= index < len(job.header)}
    problems = mapping_problems(job.kind, mapping)
    if problems:
        raise ValidationError(problems)
    fields = ["mapping", "checked"]
    if mapping != job.mapping:
        job.checked = False
        job.dates_read_as = ""
        fields.append("dates_read_as")
    job.mapping = mapping
    remember = {}
    if date_format is not None and date_format in ("", *DATE_FORMATS) and date_format != job.date_format:
        job.date_format, job.checked, job.dates_read_as = date_format, False, ""
        fields += ["date_format", "dates_read_as"]
        if date_format in ("dmy", "mdy"):
            remember["date_format"] = date_format
    if without_customer in WITHOUT_CUSTOMER and without_customer != job.without_customer:
        job.without_customer, job.checked = without_customer, False
        fields.append("without_customer")
        remember["without_customer"] = without_customer
    if new_locations in NEW_LOCATIONS and new_locations != job.new_locations:
        job.new_locations, job.checked = new_locations, False
        fields.append("new_locations")
        remember["new_locations"] = new_locations
    if notify is not None and notify != job.notify:
        job.notify = notify
        fields.append("notify")
    job.save(update_fields=fields)
    if remember:
        ImportSettings.objects.update_or_create(organization=job.organization, defaults=remember)


def remembered_date_format(organization: Organization) -> str:
    """The organization's last answer about day and month, for a file whose dates read both ways."""
    return ImportSettings.objects.filter(organization=organization).values_list("date_format", flat=True).first() or ""


def job_busy(job: ImportJob) -> bool:
    """Whether a check or import of the job is queued or running and still moving."""
    if not job.running:
        return False
    try:
        moved = _progress_path(job).stat().st_mtime
    except OSError:
        return False
    return time.time() - moved < STALLED_AFTER_SECONDS


def job_start(*, job: ImportJob, dry_run: bool) -> None:
    """Queue the check or the import; the import only after a clean check of the same columns."""
    from otklik.imports.tasks import run_import_job

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job_busy(job):
            raise ValidationError(_("The file is being processed; wait until it finishes."))
        if not dry_run and not job.checked:
            raise ValidationError(_("Check the file first: only a file without bad rows is imported."))
        if not dry_run and job.status == ImportStatus.DONE:
            raise ValidationError(_("This file is already imported."))
        if not job.stored_name:
            raise ValidationError(_("The uploaded file was removed; upload it again."))
        job.status = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
        job.message, job.date_question = "", []
        job.save(update_fields=["status", "message", "date_question"])
    _write_progress(job, "queued", 0)
    transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk, dry_run=dry_run))


def _write_progress(job: ImportJob, phase: str, done: int) -> None:
    path = _progress_path(job)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"phase": phase, "done": done}))
    tmp.replace(path)


def job_progress(job: ImportJob) -> dict:
    """Where a running check or import is: phase, rows done, rows in the file (when known) and a percentage."""
    try:
        state = json.loads(_progress_path(job).read_text())
    except (OSError, ValueError):
        state = {"phase": "queued", "done": 0}
    total = job.rows_total
    # A check reads the file once; an import checks and writes in one pass (PostgreSQL's purchases)
    # or in two (the others).
    percent = 0
    if total:
        share = state["done"] / total
        if job.status == ImportStatus.CHECKING or state["phase"] == "importing":  # one pass over the file
            percent = int(100 * share)
        elif state["phase"] == "writing":  # the second of two passes
            percent = 50 + int(50 * share)
        else:
            percent = int(50 * share)
    return {**state, "total": total, "percent": min(percent, 100)}


def job_run(*, job_id: int, dry_run: bool) -> ImportJob:
    """The task's body: check or import the job's file and record what happened."""
    job = ImportJob.objects.select_related("organization").get(pk=job_id)
    try:
        # The reasons for bad rows are kept as text, in the organization's language.
        with translation.override(job.organization.default_language):
            report = import_file(
                organization=job.organization,
                kind=job.kind,
                path=job_path(job),
                fmt=job_format(job),
                mapping=job.mapping,
                dry_run=dry_run,
                progress=lambda phase, done: _write_progress(job, phase, done),
                options=read_options(
                    job.organization,
                    date_format=job.date_format or job.dates_read_as,
                    without_customer=job.without_customer,
                    new_locations=job.new_locations,
                ),
                remembered_date_format=remembered_date_format(job.organization),
                by=job.created_by,
                notify=job.notify,
            )
    except DatesAmbiguous as exc:
        # Not a failure: the mapping step asks, and the check runs again with the answer.
        job.status, job.message, job.checked = ImportStatus.UPLOADED, str(exc), False
        job.date_question = exc.examples
    except (FileError, OSError) as exc:
        job.status, job.message = ImportStatus.FAILED, str(exc)
    except Exception:
        logger.exception("import job %s failed", job_id)
        job.status, job.message = ImportStatus.FAILED, _("The import failed unexpectedly; nothing was written.")
    else:
        job.rows_total, job.errors_total = report.rows, report.errors_total
        job.errors = [[row, reasons] for row, reasons in report.errors]
        job.checked = report.ok
        job.skipped, job.anonymous = report.skipped, report.anonymous
        job.locations_added = report.new_locations
        job.dates_read_as, job.date_question = report.date_format, []
        if report.written:
            job.status = ImportStatus.DONE
            job.created, job.updated, job.unchanged = report.created, report.updated, report.unchanged
            job.kinds = report.kinds
        else:
            job.status = ImportStatus.CHECKED
    job.finished_at = timezone.now()
    if job.status == ImportStatus.DONE:
        _remove_file(job)
    job.save()
    _progress_path(job).unlink(missing_ok=True)
    return job


def _remove_file(job: ImportJob) -> None:
    job_path(job).unlink(missing_ok=True)
    job.stored_name = ""


def imports_cleanup_due(*, now=None) -> int:
    """The worker's minute job: remove the files of uploads not imported within the kept days; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=UNIMPORTED_FILES_KEPT_DAYS)
    removed = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(stored_name="").select_related("organization"):
        if job_busy(job):
            continue
        with translation.override(job.organization.default_language):
            message = _("The file was removed %(days)s days after upload without being imported; upload it again.") % {
                "days": UNIMPORTED_FILES_KEPT_DAYS
            }
        _remove_file(job)
        if job.status != ImportStatus.DONE:
            job.status, job.message = ImportStatus.FAILED, message
        job.save(update_fields=["stored_name", "status", "message"])
        removed += 1
    return removed
