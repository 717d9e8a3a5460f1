"""Reading uploaded and exchange files row by row, never whole: CSV (sniffed) and XLSX (streamed).

CSV comes as UTF-8 (with or without a BOM) or as Windows-1251, the code page 1C and
Excel write on Russian and Ukrainian machines; the delimiter is a semicolon, a comma
or a tab, told from the header line. Rows are numbered as a spreadsheet shows them:
the header is row 1.
"""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

SAMPLE_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"
csv.field_size_limit(1 << 20)


class FileError(ValueError):
    """The file as a whole cannot be read (its format, encoding or header)."""


@dataclass(frozen=True)
class FileFormat:
    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8-sig"
    delimiter: str = ","

    def describe(self) -> str:
        if self.kind == "xlsx":
            return "XLSX"
        shown = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(self.delimiter, self.delimiter)
        return f"CSV, {self.encoding.removesuffix('-sig').upper()}, «{shown}»"


def _sniff_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # An incremental decoder tolerates a character cut in two at the sample's end.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1251"


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    if not lines:
        raise FileError(_("The file is empty."))
    # The header's count decides; ties go to the first in DELIMITERS (1C's semicolon).
    counts = {delimiter: lines[0].count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def detect_format(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> FileFormat:
    """Tell CSV from XLSX by the file's first bytes, and a CSV's encoding and delimiter from its start."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(XLSX_MAGIC):
        return FileFormat("xlsx")
    if not sample.strip():
        raise FileError(_("The file is empty."))
    if b"\x00" in sample[:4096]:
        raise FileError(_("This is not a CSV or XLSX file (save it from Excel as CSV or XLSX)."))
    encoding = encoding or _sniff_encoding(sample)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileError(_("The file is neither UTF-8 nor Windows-1251 text.")) from exc
    return FileFormat("csv", encoding, delimiter or _sniff_delimiter(text))


def _cell(value) -> object:
    """An XLSX cell as the validators take it: text, or a date/datetime kept as such."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Excel stores the code 1001 as 1001.0
    return str(value)


def _csv_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list]]:
    with open(path, encoding=fmt.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=fmt.delimiter)
        number = 0
        try:
            for number, values in enumerate(reader, start=1):  # noqa: B007 (the number is read in except)
                yield number, values
        except UnicodeDecodeError as exc:
            raise FileError(
                _("Row %(row)s is not %(encoding)s text; save the whole file in one encoding.")
                % {"row": number + 1, "encoding": fmt.encoding.removesuffix("-sig").upper()}
            ) from exc
        except csv.Error as exc:
            raise FileError(_("Row %(row)s cannot be read: %(error)s") % {"row": number + 1, "error": exc}) from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileError(_("The XLSX file cannot be opened: %(error)s") % {"error": exc}) from exc
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in values]
    finally:
        book.close()


def read_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list]]:
    """(row number, cell values) for every row, the header (row 1) included; blank rows left out."""
    if fmt.kind == "csv":
        for number, values in _csv_rows(path, fmt):
            if "".join(values).strip():
                yield number, values
        return
    for number, values in _xlsx_rows(path):
        if any(not isinstance(value, str) or value.strip() for value in values):
            yield number, values


def read_header(path: Path, fmt: FileFormat) -> list[str]:
    """The first non-blank row's names."""
    rows = read_rows(path, fmt)
    try:
        _number, header = next(rows)
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    finally:
        rows.close()
    header = [str(name).strip() for name in header]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise FileError(_("The file is empty."))
    return header


def sample_rows(path: Path, fmt: FileFormat, n: int = 3) -> list[list]:
    """The first few data rows, to show beside the column choices."""
    out = []
    rows = read_rows(path, fmt)
    try:
        next(rows, None)
        for _number, values in rows:
            out.append([str(value) for value in values])
            if len(out) >= n:
                break
    finally:
        rows.close()
    return out
