"""CSV and XLSX files of the tables a page shows: the same rows and columns, numbers kept as numbers."""

import csv
import io
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

from otklik.dashboard.metrics import BREAKDOWNS, MetricsRow, MetricsTable
from otklik.dashboard.people import PeopleReport, PeopleRow
from otklik.rollups.metrics import CES, CSAT, NPS, READINESS, Metric

Cell = str | int | float | None
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection): quote it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _attr(path: str, digits: int = 1) -> Callable[[MetricsRow], Cell]:
    def read(row: MetricsRow) -> Cell:
        value: object = row
        for name in path.split("."):
            value = getattr(value, name, None) if value is not None else None
        return _round(value, digits) if isinstance(value, float) else value

    return read


def _significance(row: MetricsRow) -> Cell:
    if row.nps_change is None:
        return None
    return _("significant") if row.nps_change.significant else _("could be noise")


def _metric_columns(metric: Metric) -> list[tuple[str, Callable[[MetricsRow], Cell]]]:
    """A metric's columns as it defines them (rollups.metrics), read from the row's interval of that metric."""
    return [(str(header), _attr(f"{metric.code}.{attr}", digits)) for header, attr, digits in metric.export_columns]


def metrics_columns(by: str) -> list[tuple[str, Callable[[MetricsRow], Cell]]]:
    """(header, reader) for every column of the metrics table, in the page's order."""
    return [
        (str(BREAKDOWNS[by]), lambda row: row.label),
        (_("Answers"), _attr("answers")),
        *_metric_columns(NPS),
        (_("NPS change vs previous row"), _attr("nps_change.change")),
        (_("p-value of the change"), _attr("nps_change.p_value", 4)),
        (_("The change is"), _significance),
        *_metric_columns(CSAT),
        *_metric_columns(CES),
        *_metric_columns(READINESS),
        (_("Invitations"), _attr("invitations")),
        (_("Invitations answered"), _attr("invitations_answered")),
        (_("Response rate, %"), _attr("response_rate.value")),
        (_("Complaints"), _attr("cases")),
        (_("Complaints answered, %"), _attr("answered_share")),
        (_("Answered within SLA, %"), _attr("answered_in_sla_share")),
        (_("First answer, median hours"), _attr("first_answer_median_h")),
        (_("First answer, 90th percentile hours"), _attr("first_answer_p90_h")),
        (_("Resolution, median hours"), _attr("resolution_median_h")),
        (_("Resolution, 90th percentile hours"), _attr("resolution_p90_h")),
        (_("Asked again after recovery, answered"), _attr("recovery_answered")),
        (_("Better score after recovery, %"), _attr("recovery_improved_share")),
    ]


def metrics_export_rows(table: MetricsTable) -> tuple[list[str], list[list[Cell]]]:
    """The headers and the rows (the total last) of the table as shown on /metrics/."""
    columns = metrics_columns(table.by)
    rows = [*table.rows, table.total] if table.total is not None else list(table.rows)
    return [header for header, _read in columns], [[read(row) for _header, read in columns] for row in rows]


def people_export_rows(report: PeopleReport) -> tuple[list[str], list[list[Cell]]]:
    """Employees, then departments, as on /people/; the first column says which."""
    columns: list[tuple[str, Callable[[PeopleRow], Cell]]] = [
        (_("Name"), lambda row: row.name),
        (_("Answers"), _attr("answers")),
        ("NPS", _attr("nps.value")),
        (_("NPS interval (95%), low"), _attr("nps.low")),
        (_("NPS interval (95%), high"), _attr("nps.high")),
        # xgettext:no-python-format
        (_("Mean score, % of the best"), _attr("mean_score_share")),
        (_("Praise"), _attr("praise")),
        # xgettext:no-python-format
        (_("Praise, % of answers"), _attr("praise_share")),
        (_("Praise naming them"), _attr("named_in_praise")),
        (_("Cases"), _attr("cases")),
        (_("Resolved"), _attr("resolved")),
        (_("Resolved within SLA"), _attr("resolved_in_sla")),
    ]
    headers = [_("Employee or department"), *(header for header, _read in columns)]
    rows = [[_("Employee"), *(read(row) for _h, read in columns)] for row in report.employees]
    rows += [[_("Department"), *(read(row) for _h, read in columns)] for row in report.departments]
    return headers, rows


def safe_text(value: Cell) -> Cell:
    """A cell as written to a file: text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def for_reader(rows: Sequence[Sequence[Cell]], membership) -> list[list[Cell]]:
    """The rows as this member may read them: text cells with insults masked unless allowed originals (D2).

    Every export goes through here, so a file handed on carries no more than its reader may see.
    """
    from otklik.insights.selectors import masked_text, may_see_original

    if membership is None or may_see_original(membership=membership):
        return [list(row) for row in rows]
    organization = membership.organization_id
    return [[masked_text(cell, organization) if isinstance(cell, str) else cell for cell in row] for row in rows]


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, membership=None) -> bytes:
    """UTF-8 CSV with a byte order mark, so Excel opens Cyrillic names correctly."""
    rows = for_reader(rows, membership)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(header) for header in headers])
    for row in rows:
        writer.writerow(["" if cell is None else safe_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, title: str, membership=None) -> bytes:
    """One worksheet: a bold header row, frozen, and the rows with numbers as numbers."""
    rows = for_reader(rows, membership)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    # Excel refuses sheet titles over 31 characters or with []:*?/\
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Otklik"
    sheet.append([safe_text(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_text(cell) for cell in row])
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 32
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
