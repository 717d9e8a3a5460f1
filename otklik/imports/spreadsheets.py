"""Spreadsheets read row by row: XLSX streamed, old Excel (.xls) and OpenDocument (.ods) loaded a sheet at a time.

An XLSX sheet is streamed by python-calamine-plus (Rust): rows are decoded from the zip
as they are asked for, so memory holds the workbook's table of texts and one row, never
the sheet, and does not grow with the row count (decision 0020). The table of texts is
held whole (a cell may name any text by its number), so its size is checked first.

An .xls (the binary OLE2 format of Excel 97–2003) or .ods workbook is read by
python-calamine, which loads a sheet whole: the file (.xls) or its content.xml (.ods)
is held to OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES first, and the loaded sheet is kept
for every pass of one import (sheets_kept).

Cells come as calamine gives them, the same from every reader: text, an int or float,
a bool, a date, datetime or time for a number in a date style (Excel stores a date as a
number of days; only its style says it is one), "" for an empty cell or a gap.
"""

import copy
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
# What the table of texts holds per text besides its characters (a Rust String and its slot), to tell its memory.
BYTES_PER_STRING = 32
# Deflate writes at most 1032 bytes per byte it stores, so a smaller entry cannot pass a limit, whatever it declares.
DEFLATE_MAX_RATIO = 1032
_COUNTED: dict[tuple, None] = {}  # the files whose entries were unpacked and counted in this process (check_xlsx)


class SheetError(ValueError):
    """The workbook cannot be read; the message says why, and what to do, to the person who sent it."""


def column_number(letters: str) -> int:
    """A column's number from its letters: A is 1, Z 26, AA 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def broken_message(error: object) -> str:
    return _("The XLSX file cannot be opened: %(error)s") % {"error": error}


def _megabytes(size: int) -> float:
    return round(size / 2**20, 1)


def shape_problem(*, rows: int | None = None, columns: int | None = None) -> str:
    """Why a sheet of this many rows or columns is refused, or "" when it fits the limits."""
    if columns is not None and columns > settings.OTKLIK_IMPORT_MAX_COLUMNS:
        return _("The file has %(n)s columns; at most %(limit)s are read. Remove the columns you do not import.") % {
            "n": columns,
            "limit": settings.OTKLIK_IMPORT_MAX_COLUMNS,
        }
    if rows is not None and rows > settings.OTKLIK_IMPORT_XLSX_MAX_ROWS:
        return _(
            "The XLSX sheet has %(n)s rows; at most %(limit)s are read from XLSX. Save it as CSV, or split it."
        ) % {"n": rows, "limit": settings.OTKLIK_IMPORT_XLSX_MAX_ROWS}
    return ""


def zip_kind(path: Path) -> str:
    """Which spreadsheet a zip holds: "ods" when its mimetype says OpenDocument spreadsheet, otherwise "xlsx"."""
    try:
        with zipfile.ZipFile(path) as book:
            if "mimetype" not in book.namelist():
                return "xlsx"
            mimetype = book.read("mimetype")[:200].decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
        return "xlsx"  # check_xlsx says what is wrong with it
    if mimetype.startswith(ODS_MIMETYPE):
        return "ods"
    raise SheetError(
        _("This file is a %(type)s document, not a spreadsheet; save the data as CSV, XLSX or ODS.")
        % {"type": mimetype.rpartition(".")[2] or mimetype}
    )


def first_sheet(book: zipfile.ZipFile) -> str:
    """The path in the zip of the workbook's first sheet (the one read), by workbook.xml and its relations."""
    try:
        workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
        relations = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        rid = re.search(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook).group(1)
        target = re.search(rf"<Relationship\b[^>]*?Id=\"{re.escape(rid)}\"[^>]*>", relations).group(0)
        path = re.search(r"Target=\"([^\"]+)\"", target).group(1)
    except (KeyError, AttributeError):
        return "xl/worksheets/sheet1.xml"
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def _strings_info(book: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    for info in book.infolist():
        if info.filename.lower() == "xl/sharedstrings.xml":
            return info
    return None


def unpacked_size(book: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, *, packed_at_most: int) -> int:
    """What the entry really unpacks to, counted up to limit + 1, whatever the zip declares.

    calamine unpacks an entry to its end and does not stop at the size the central
    directory declares, so a zip that lies there would pass the declared-size checks
    (decision 0027). The entry is unpacked here with the declared size replaced by the
    limit and its bytes counted, in C (zlib), without keeping them. An entry that cannot
    unpack past the limit, whatever its headers say, is not unpacked at all: a deflated
    or stored one in a file (`packed_at_most` bytes) too small for that.
    """
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        if packed_at_most * DEFLATE_MAX_RATIO <= limit:
            return info.file_size
    probe = copy.copy(info)
    # zipfile stops at the size it is given, and checks the CRC there: a size past what is read (and past
    # what it reads ahead), so an entry cut at the limit is not taken for a broken one; one that ends
    # before is checked whole.
    probe.file_size = limit + (1 << 20)
    size = 0
    with book.open(probe) as f:
        while size <= limit and (chunk := f.read(min(1 << 20, limit + 1 - size))):
            size += len(chunk)
    return size


def _too_big_message(size: float | str, limit: int) -> str:
    return _(
        "The XLSX sheet unpacks to %(size)s MB; at most %(limit)s MB are read. "
        "Save it as CSV (any size is read from CSV), or split it."
    ) % {"size": size, "limit": round(limit / 2**20)}


def _strings_message(size: float | str) -> str:
    return _(
        "The XLSX file's table of texts would take %(size)s MB; at most %(limit)s MB are read. "
        "Save it as CSV (any size is read from CSV), or split it."
    ) % {"size": size, "limit": round(settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES / 2**20)}


def _count_unpacked(path: Path, book: zipfile.ZipFile, sheet: zipfile.ZipInfo, strings, texts: int) -> None:
    """Refuse a sheet or table of texts that really unpacks past its limit; once per file and process."""
    stat, limit = path.stat(), settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES
    key = (str(path), stat.st_mtime_ns, stat.st_size, limit, settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES)
    if key in _COUNTED:
        return
    if unpacked_size(book, sheet, limit, packed_at_most=stat.st_size) > limit:
        raise SheetError(_too_big_message(f"> {_megabytes(limit)}", limit))
    if strings is not None:
        room = settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES - BYTES_PER_STRING * texts
        if unpacked_size(book, strings, max(room, 0), packed_at_most=stat.st_size) > room:
            raise SheetError(_strings_message(f"> {_megabytes(settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES)}"))
    if len(_COUNTED) >= 64:
        _COUNTED.clear()
    _COUNTED[key] = None


def check_xlsx(path: Path) -> None:
    """Refuse, before reading it, an XLSX whose sheet or table of texts is too big, or whose shape passes the limits.

    The sizes are first those the zip's central directory declares, then (once per file in
    a process) those the sheet and the table really unpack to (unpacked_size); the table's
    count of texts is the `uniqueCount` at its start; the shape is the `<dimension
    ref="A1:H1000">` near the sheet's start, which Excel and most writers put there (the
    rows and columns are counted again as the sheet is read).
    """
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetError(broken_message(exc)) from exc
    with book:
        sheet = first_sheet(book)
        try:
            info = book.getinfo(sheet)
        except KeyError:
            raise SheetError(_("The XLSX file has no sheet to read.")) from None
        limit = settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES
        if info.file_size > limit:
            raise SheetError(_too_big_message(_megabytes(info.file_size), limit))
        strings = _strings_info(book)
        texts = 0
        try:
            if strings is not None:
                with book.open(strings) as f:
                    start = f.read(4096).decode("utf-8", "replace")
                declared = re.search(r"\buniqueCount=\"(\d+)\"", start) or re.search(r"\bcount=\"(\d+)\"", start)
                texts = int(declared.group(1)) if declared else 0
                held = strings.file_size + BYTES_PER_STRING * texts
                if held > settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES:
                    raise SheetError(_strings_message(_megabytes(held)))
            with book.open(sheet) as f:
                head = f.read(16384).decode("utf-8", "replace")
            dimension = re.search(r"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"", head)
            if dimension:
                problem = shape_problem(rows=int(dimension.group(2)), columns=column_number(dimension.group(1)))
                if problem:
                    raise SheetError(problem)
            _count_unpacked(path, book, info, strings, texts)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise SheetError(broken_message(exc)) from exc


def xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    """The first sheet's rows as (row number, cell values), streamed; empty rows come as [""] and are numbered too.

    The limits are checked before anything is read, and the rows and columns again as
    they come: a sheet that declares no dimension, or a wrong one, is refused at the row
    that passes them.
    """
    from python_calamine_plus import CalamineError, CalamineWorkbook

    check_xlsx(path)
    max_rows, max_columns = settings.OTKLIK_IMPORT_XLSX_MAX_ROWS, settings.OTKLIK_IMPORT_MAX_COLUMNS
    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as exc:
        raise SheetError(broken_message(exc)) from exc
    number = 0
    try:
        stream = book.stream_sheet_by_index(0)
        for number, values in enumerate(stream, start=1):  # noqa: B007 (the number is read in except)
            if number > max_rows:
                raise SheetError(
                    _("The XLSX sheet has more than %(limit)s rows; save it as CSV, or split it.") % {"limit": max_rows}
                )
            if len(values) > max_columns and any(value != "" for value in values[max_columns:]):
                raise SheetError(
                    _("Row %(row)s has cells past column %(limit)s; at most %(limit)s columns are read.")
                    % {"row": number, "limit": max_columns}
                )
            yield number, values
    except CalamineError as exc:
        raise SheetError(broken_message(_("%(error)s (after row %(row)s)") % {"error": exc, "row": number})) from exc
    finally:
        book.close()


# .xls and .ods, loaded whole


def check_loaded(path: Path, kind: str) -> None:
    """Refuse, before loading it, an .xls file or an .ods's content larger than OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES."""
    limit = settings.OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES
    name = describe_loaded(kind)
    if kind == "ods":
        try:
            with zipfile.ZipFile(path) as book:
                size = book.getinfo("content.xml").file_size
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise SheetError(
                _("The %(format)s file cannot be opened: %(error)s") % {"format": name, "error": exc}
            ) from exc
    else:
        size = path.stat().st_size
    if size > limit:
        raise SheetError(
            _(
                "The %(format)s sheet is %(size)s MB; at most %(limit)s MB are read from this format. "
                "Save it as XLSX or CSV."
            )
            % {"format": name, "size": _megabytes(size), "limit": round(limit / 2**20)}
        )


def describe_loaded(kind: str) -> str:
    return {"xls": "XLS (Excel 97–2003)", "ods": "ODS (OpenDocument)"}[kind]


_SHEETS: dict | None = None  # while an import runs (sheets_kept), its loaded .xls/.ods sheet, for every pass


@contextmanager
def sheets_kept() -> Iterator[None]:
    """Load each .xls or .ods sheet once for the passes inside (header, date column, check, writing), then free it.

    python-calamine reads such a sheet whole; without this each pass over the file would
    load it again. The memory is the same (one sheet at a time) and is released on exit.
    An XLSX is streamed and needs none of this.
    """
    global _SHEETS
    outer = _SHEETS
    _SHEETS = {} if outer is None else outer
    try:
        yield
    finally:
        if outer is None:
            _SHEETS = None


def _load_sheet(path: Path, kind: str):
    from python_calamine import CalamineWorkbook

    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _SHEETS is not None and key in _SHEETS:
        return _SHEETS[key]
    check_loaded(path, kind)
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            sheet = book.get_sheet_by_index(0)
        finally:
            book.close()
    except Exception as exc:  # python-calamine's errors (CalamineError, ZipError, XmlError…) share no base
        message = _("The %(format)s file cannot be opened: %(error)s") % {"format": describe_loaded(kind), "error": exc}
        if kind == "xls":
            message += " " + _("(A workbook with a password must be saved without one.)")
        raise SheetError(message) from exc
    problem = shape_problem(rows=sheet.height, columns=sheet.width)
    if problem:
        raise SheetError(problem)
    if _SHEETS is not None:
        _SHEETS.clear()
        _SHEETS[key] = sheet
    return sheet


def loaded_rows(path: Path, kind: str) -> Iterator[tuple[int, list]]:
    """An .xls or .ods first sheet's rows as python-calamine gives them, numbered as the spreadsheet shows them."""
    sheet = _load_sheet(path, kind)
    first = (sheet.start or (0, 0))[0] + 1
    for offset, values in enumerate(sheet.iter_rows()):
        yield first + offset, values
