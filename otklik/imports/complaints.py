"""Complaints from a file (the hotline log, the complaints book typed up, a review site's export).

They go through the same pipeline as customers, products and purchases: the file is
told by its content (CSV in UTF-8, UTF-16, Windows-1251 or -1252, XLSX), its columns are
guessed from their names in en/ru/uk (mapping_fields.FIELDS["complaints"]), every row is
checked and reported by its row number, and a file is imported whole or not at all.
A row whose external_id was imported before is left alone, so importing the same file
twice adds nothing.

Two ways in: the import pages (/imports/, with column choices and a progress bar, through
services.import_file) and the quick page /cases/import/ (complaints_check, then
complaints_import), which checks and imports a small file at once with the guessed columns.
"""

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Organization
from otklik.cases.models import Case, CaseSource, Severity
from otklik.customers.services import RowError, UpsertResult, parse_moment
from otklik.imports.mapping import field_names, guess_mapping, required_fields
from otklik.imports.readers import FileError, detect_format, read_header
from otklik.imports.services import file_records
from otklik.intake.complaints import complaint_open

# The quick page reads the file while the manager waits; bigger files go through /imports/.
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_CONTENT = 5000


class ComplaintCleaner:
    """Checks one complaint row after another, in file order; remembers the external ids it has seen.

    `takes_row`: services.validate_chunk passes the row number, so a repeated id names the row it repeats.
    """

    takes_row = True

    def __init__(self, *, organization: Organization, locations: Iterable[Location]):
        self.organization = organization
        self.by_name = {location.name.strip().lower(): location for location in locations}
        self.seen: dict[str, int] = {}
        self.allowed_sources = [code for code in CaseSource.values if code != CaseSource.SURVEY]

    def __call__(self, record: dict, *, row: int = 0) -> dict:
        value = {name: str(record.get(name) or "").strip() for name in field_names("complaints")}
        problems = []
        source = value["source"].lower()
        if source not in self.allowed_sources:
            problems.append(
                _("unknown source “%(value)s” (use one of %(allowed)s)")
                % {"value": source, "allowed": ", ".join(self.allowed_sources)}
            )
        location = self.by_name.get(value["location"].lower())
        if location is None:
            problems.append(_("unknown location “%(value)s”") % {"value": value["location"]})
        if not value["content"]:
            problems.append(_("the complaint text is empty"))
        elif len(value["content"]) > MAX_CONTENT:
            problems.append(_("the complaint text is longer than 5000 characters"))
        if value["customer_email"]:
            try:
                validate_email(value["customer_email"])
            except ValidationError:
                problems.append(_("“%(value)s” is not an e-mail address") % {"value": value["customer_email"]})
        severity = value["severity"].lower() or Severity.MEDIUM
        if severity not in Severity.values:
            problems.append(
                _("unknown severity “%(value)s” (use one of %(allowed)s)")
                % {"value": severity, "allowed": ", ".join(Severity.values)}
            )
        # An XLSX date cell arrives as a date or datetime; text as ISO or 1C's DD.MM.YYYY.
        raw_received = record.get("received_at") or ""
        received_at = parse_moment(raw_received, tz=self.organization.zone) if value["received_at"] else None
        if value["received_at"] and received_at is None:
            problems.append(
                _("“%(value)s” is not a date (write 2025-03-31 or 2025-03-31 14:05)") % {"value": value["received_at"]}
            )
        if received_at and received_at > timezone.now():
            problems.append(_("the date received is in the future"))
        if len(value["customer_name"]) > 200 or len(value["customer_phone"]) > 40:
            problems.append(_("the customer's name or phone is too long"))
        external_id = value["external_id"][:100]
        if external_id and external_id in self.seen and self.seen[external_id] != row:
            problems.append(_("the external_id repeats line %(line)s") % {"line": self.seen[external_id]})
        if problems:
            raise RowError(problems)
        if external_id:
            self.seen[external_id] = row
        return {
            "source": source,
            "location": location,
            "customer_name": value["customer_name"],
            "customer_email": value["customer_email"],
            "customer_phone": value["customer_phone"],
            "content": value["content"],
            "severity": severity,
            "received_at": received_at,
            "external_id": external_id,
        }


def imported_ids(*, organization: Organization) -> set[str]:
    """The external ids of the organization's cases: rows carrying one of them were imported before."""
    return set(
        Case.objects.filter(organization=organization, external_id__isnull=False).values_list("external_id", flat=True)
    )


def _open(row: dict, *, by: User | None, notify: bool) -> Case:
    return complaint_open(
        location=row["location"],
        content=row["content"],
        customer_name=row["customer_name"],
        customer_email=row["customer_email"],
        customer_phone=row["customer_phone"],
        severity=row["severity"],
        created_at=row["received_at"],
        notify=notify,
        source=row["source"],
        external_id=row["external_id"] or None,
        by=by,
        note=_("Imported from a file"),
    )


def complaints_upsert(
    *, organization: Organization, records: list[dict], by: User | None = None, notify: bool = False
) -> UpsertResult:
    """Open a case for every record not imported before; the import pages' writer (services.UPSERTS).

    Records are checked again here, as every upsert does; a record with a known external id is
    counted as unchanged. Nothing is opened when any record is bad.
    """
    clean = ComplaintCleaner(organization=organization, locations=Location.objects.filter(organization=organization))
    result, rows = UpsertResult(), []
    for number, record in enumerate(records, start=1):
        try:
            rows.append(clean(record, row=number))
        except RowError as exc:
            result.errors[number] = exc.reasons
    if result.errors:
        return result
    known = imported_ids(organization=organization)
    for row in rows:
        if row["external_id"] and row["external_id"] in known:
            result.unchanged += 1
            continue
        _open(row, by=by, notify=notify)
        result.created += 1
    return result


@dataclass
class BadRow:
    line: int  # the row as a spreadsheet numbers it; the header is row 1
    message: str


@dataclass
class ComplaintPreview:
    """What the quick page shows after a check: the rows to import, the bad ones, those imported before."""

    rows: list[dict] = field(default_factory=list)  # clean values and "line"
    errors: list[BadRow] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def complaints_check(*, data: bytes, organization: Organization, locations: Iterable[Location]) -> ComplaintPreview:
    """Read a complaints file (CSV in any of the read encodings, or XLSX) and check every row; nothing is written.

    `locations` are the ones the importer may use (matched by name, case-insensitively). The columns are
    guessed from their names. Raises ValidationError only when the file as a whole is unusable.
    """
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB; split it."))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "complaints"
        path.write_bytes(data)
        try:
            fmt = detect_format(path)
            header = read_header(path, fmt)
        except FileError as exc:
            raise ValidationError(str(exc)) from exc
        mapping = guess_mapping("complaints", header)
        missing = [name for name in required_fields("complaints") if name not in mapping]
        if missing:
            raise ValidationError(
                _("The file lacks the column(s) %(missing)s. Its first line must name the columns: %(columns)s.")
                % {"missing": ", ".join(missing), "columns": ", ".join(field_names("complaints"))}
            )
        clean = ComplaintCleaner(organization=organization, locations=locations)
        known = imported_ids(organization=organization)
        preview = ComplaintPreview()
        try:
            for number, record in file_records(path, fmt, mapping):
                if len(preview.rows) + len(preview.errors) + len(preview.already_imported) >= MAX_ROWS:
                    raise ValidationError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
                try:
                    values = clean(record, row=number)
                except RowError as exc:
                    preview.errors.append(BadRow(line=number, message="; ".join(exc.reasons)))
                    continue
                if values["external_id"] in known:
                    preview.already_imported.append(number)
                else:
                    preview.rows.append({**values, "line": number})
        except FileError as exc:
            raise ValidationError(str(exc)) from exc
    return preview


@transaction.atomic
def complaints_import(*, preview: ComplaintPreview, by: User, notify: bool = False) -> list[Case]:
    """Open a case for every checked row, all in one transaction; refuse a file with any bad row.

    `notify=False` (the default for old complaints typed up in bulk) queues no alert or customer message.
    """
    if not preview.ok:
        raise ValidationError(_("The file has bad rows; nothing was imported. Fix them and try again."))
    return [_open(row, by=by, notify=notify) for row in preview.rows]
