"""Complaints from a CSV file (the hotline log, the complaints book typed up, review-site exports).

`cases_csv_parse` reads and checks every row and reports each bad one by its line number;
`intake.complaints.complaints_import` opens the cases in one transaction, and only when no row is bad: a file
is imported whole or not at all. A row with an `external_id` already imported is skipped,
so importing the same file twice adds nothing.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Organization
from otklik.cases.models import Case, CaseSource, Severity

REQUIRED_COLUMNS = ["source", "location", "customer_name", "customer_email", "customer_phone", "content", "severity"]
OPTIONAL_COLUMNS = ["received_at", "external_id"]
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportRow:
    line: int
    source: str
    location: Location
    customer_name: str
    customer_email: str
    customer_phone: str
    content: str
    severity: str
    received_at: datetime | None
    external_id: str


@dataclass
class RowError:
    line: int  # the line in the file; the header is line 1
    message: str


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # lines skipped: their external_id is known

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes) -> str:
    # Excel saves CSV in the system's code page: windows-1251 on Russian and Ukrainian machines.
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor Windows-1251 text."))


def _parse_received(value: str, tz) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError
        moment = datetime.combine(day, time(12, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return moment


def cases_csv_parse(*, data: bytes, organization: Organization, locations) -> ImportPreview:
    """Read a CSV of complaints and check every row; nothing is written.

    `locations` are the ones the importer may use (matched by name, case-insensitively).
    Raises ValidationError only when the file as a whole is unusable (encoding, header, size).
    """
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB; split it."))
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            _("The file lacks the column(s) %(missing)s. Its first line must name the columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}
        )
    reader.fieldnames = header
    by_name = {location.name.strip().lower(): location for location in locations}
    known_ids = set(
        Case.objects.filter(organization=organization, external_id__isnull=False).values_list("external_id", flat=True)
    )
    tz = timezone.get_current_timezone()
    preview, seen_ids = ImportPreview(), {}
    for record in reader:
        line = reader.line_num
        if len(preview.rows) + len(preview.errors) >= MAX_ROWS:
            raise ValidationError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
        value = {name: (record.get(name) or "").strip() for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
        if not any(value.values()):
            continue
        problems = []
        source = value["source"].lower()
        if source not in CaseSource.values or source == CaseSource.SURVEY:
            allowed = ", ".join(code for code in CaseSource.values if code != CaseSource.SURVEY)
            problems.append(
                _("unknown source “%(value)s” (use one of %(allowed)s)") % {"value": source, "allowed": allowed}
            )
        location = by_name.get(value["location"].lower())
        if location is None:
            problems.append(_("unknown location “%(value)s”") % {"value": value["location"]})
        if not value["content"]:
            problems.append(_("the complaint text is empty"))
        elif len(value["content"]) > 5000:
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
        received_at = None
        try:
            received_at = _parse_received(value["received_at"], tz)
        except ValueError:
            problems.append(
                _("“%(value)s” is not a date (write 2025-03-31 or 2025-03-31 14:05)") % {"value": value["received_at"]}
            )
        if received_at and received_at > timezone.now():
            problems.append(_("the date received is in the future"))
        if len(value["customer_name"]) > 200 or len(value["customer_phone"]) > 40:
            problems.append(_("the customer's name or phone is too long"))
        external_id = value["external_id"][:100]
        if external_id and external_id in seen_ids:
            problems.append(_("the external_id repeats line %(line)s") % {"line": seen_ids[external_id]})
        if problems:
            preview.errors.append(RowError(line=line, message="; ".join(problems)))
            continue
        if external_id:
            seen_ids[external_id] = line
            if external_id in known_ids:
                preview.already_imported.append(line)
                continue
        preview.rows.append(
            ImportRow(
                line=line,
                source=source,
                location=location,
                customer_name=value["customer_name"],
                customer_email=value["customer_email"],
                customer_phone=value["customer_phone"],
                content=value["content"],
                severity=severity,
                received_at=received_at,
                external_id=external_id,
            )
        )
    return preview
