"""Reading uploaded and exchange files row by row: CSV (sniffed), XLSX and 1C CommerceML 2 XML.

What a file is is told by its content, never by its name: a zip is XLSX, XML whose
root is «КоммерческаяИнформация» is 1C CommerceML (orders or the catalogue), any
other text is CSV: RECOGNISERS tell a format by the file's first bytes, and each
kind has its reader in READERS. Every reader gives the
same thing: (row number, cell values), the header first, so mapping and checking
work alike for all of them.

CSV comes as UTF-8 (with or without a BOM) or as Windows-1251, the code page 1C and
Excel write on Russian and Ukrainian machines; the delimiter is a semicolon, a comma
or a tab, told from the header line. Rows are numbered as a spreadsheet shows them:
the header is row 1. CommerceML has no header: its reader gives one made of field
names (one row per order line), numbered as if it had.

XLSX is read by python-calamine (Rust) a sheet at a time, which holds the sheet in
memory: before that, the sizes the zip's central directory declares and the sheet's
declared dimension are held to the OTKLIK_IMPORT_* limits, so an import's memory
stays bounded whatever the file.
"""

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _

SAMPLE_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"
CML_ROOT = "КоммерческаяИнформация"
csv.field_size_limit(1 << 20)


class FileError(ValueError):
    """The file as a whole cannot be read (its format, encoding or header)."""


@dataclass(frozen=True)
class FileFormat:
    kind: str  # a key of READERS: "csv", "xlsx", "cml-orders", "cml-goods"
    encoding: str = "utf-8-sig"
    delimiter: str = ","

    def describe(self) -> str:
        if self.kind == "xlsx":
            return "XLSX"
        if self.kind == "cml-orders":
            return _("1C CommerceML, orders")
        if self.kind == "cml-goods":
            return _("1C CommerceML, catalogue")
        shown = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(self.delimiter, self.delimiter)
        return f"CSV, {self.encoding.removesuffix('-sig').upper()}, «{shown}»"

    @property
    def kinds(self) -> tuple[str, ...]:
        """The import kinds a file of this format can hold (CommerceML says what it holds)."""
        return {"cml-orders": ("purchases",), "cml-goods": ("products",)}.get(
            self.kind, ("customers", "products", "purchases", "complaints")
        )


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


def _xml_kind(sample: bytes) -> str:
    """Which CommerceML file an XML file is, from its start; FileError when it is no CommerceML."""
    head = sample[:4096]
    declared = re.search(rb"""encoding=["']([\w.-]+)["']""", head)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    except LookupError as exc:
        message = _("The XML file declares an unknown encoding “%(encoding)s”.") % {"encoding": encoding}
        raise FileError(message) from exc
    root = re.search(r"<([^?!\s/>]+)", text)
    name = root.group(1).rpartition(":")[2] if root else ""
    if name != CML_ROOT:
        raise FileError(
            _(
                "This XML file is not a 1C CommerceML exchange file (its root is “%(root)s”, not "
                "«КоммерческаяИнформация»); save the data as CSV or XLSX."
            )
            % {"root": name or "?"}
        )
    if re.search(r"<(?:\w+:)?Документ[\s>]", text):
        return "cml-orders"
    if re.search(r"<(?:\w+:)?(?:Каталог|Классификатор)[\s>]", text):
        return "cml-goods"
    raise FileError(
        _("This CommerceML file holds neither orders («Документ») nor a catalogue («Каталог»); nothing to import.")
    )


def _xlsx_format(path: Path, sample: bytes) -> FileFormat | None:
    if not sample.startswith(XLSX_MAGIC):
        return None
    check_xlsx_limits(path)
    return FileFormat("xlsx")


def _xml_format(path: Path, sample: bytes) -> FileFormat | None:
    if not sample.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<"):
        return None
    return FileFormat(_xml_kind(sample))


# The formats told by a file's first bytes, tried in order: each gives the FileFormat it reads the file as,
# None when the file is not its kind, or FileError when it is but cannot be read. Whatever none of them
# claims is read as CSV (detect_format). Each FileFormat.kind has its reader in READERS.
RECOGNISERS: list[Callable[[Path, bytes], FileFormat | None]] = [_xlsx_format, _xml_format]


def detect_format(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> FileFormat:
    """Tell XLSX, CommerceML and CSV apart by the file's content; a CSV's encoding and delimiter from its start."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileError(_("The file is empty."))
    for recognise in RECOGNISERS:
        fmt = recognise(path, sample)
        if fmt is not None:
            return fmt
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = encoding or "utf-16"  # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    elif b"\x00" in sample[:4096]:
        raise FileError(_("This is not a CSV or XLSX file (save it from Excel as CSV or XLSX)."))
    encoding = encoding or _sniff_encoding(sample)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileError(_("The file is neither UTF-8 nor Windows-1251 text.")) from exc
    return FileFormat("csv", encoding, delimiter or _sniff_delimiter(text))


# XLSX


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _first_sheet(book: zipfile.ZipFile) -> str:
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


def check_xlsx_limits(path: Path) -> None:
    """Refuse, before reading it, an XLSX whose sheet unpacks too big or declares too many rows or columns.

    The sizes are those the zip's central directory declares; the dimension is the
    `<dimension ref="A1:H1000">` near the sheet's start, which Excel and most writers put there.
    """
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileError(_("The XLSX file cannot be opened: %(error)s") % {"error": exc}) from exc
    with book:
        sheet = _first_sheet(book)
        try:
            info = book.getinfo(sheet)
        except KeyError:
            raise FileError(_("The XLSX file has no sheet to read.")) from None
        try:
            strings = book.getinfo("xl/sharedStrings.xml").file_size
        except KeyError:
            strings = 0
        limit = settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES
        if info.file_size + strings > limit:
            raise FileError(
                _(
                    "The XLSX sheet unpacks to %(size)s MB; at most %(limit)s MB are read. "
                    "Save it as CSV (any size is read from CSV), or split it."
                )
                % {"size": round((info.file_size + strings) / 2**20, 1), "limit": round(limit / 2**20)}
            )
        try:
            with book.open(sheet) as f:
                head = f.read(16384).decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FileError(_("The XLSX file cannot be opened: %(error)s") % {"error": exc}) from exc
    dimension = re.search(r"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]+)(\d+)\"", head)
    if dimension:
        check_shape(rows=int(dimension.group(2)), columns=_column_number(dimension.group(1)))


def check_shape(*, rows: int | None = None, columns: int | None = None) -> None:
    """Refuse a sheet with more rows or columns than the limits allow."""
    if columns is not None and columns > settings.OTKLIK_IMPORT_MAX_COLUMNS:
        raise FileError(
            _("The file has %(n)s columns; at most %(limit)s are read. Remove the columns you do not import.")
            % {"n": columns, "limit": settings.OTKLIK_IMPORT_MAX_COLUMNS}
        )
    if rows is not None and rows > settings.OTKLIK_IMPORT_XLSX_MAX_ROWS:
        raise FileError(
            _("The XLSX sheet has %(n)s rows; at most %(limit)s are read from XLSX. Save it as CSV, or split it.")
            % {"n": rows, "limit": settings.OTKLIK_IMPORT_XLSX_MAX_ROWS}
        )


def cell_value(value) -> object:
    """An XLSX cell as the validators take it: text, or a date/datetime kept as such."""
    kind = type(value)
    if kind is str or kind is datetime or kind is date:
        return value
    if kind is float:
        # Excel stores the code 1001 as 1001.0.
        return str(int(value)) if value.is_integer() and -1e15 < value < 1e15 else str(value)
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return "" if value is None else str(value)


_SHEETS: dict | None = None  # while an import runs (sheets_kept), its XLSX sheet, loaded once for every pass


@contextmanager
def sheets_kept() -> Iterator[None]:
    """Load each XLSX sheet once for the passes inside (header, date column, check, writing), then free it.

    python-calamine reads a sheet whole; without this each pass over the file would read and
    unpack it again. The memory is the same (one sheet at a time) and is released on exit.
    """
    global _SHEETS
    outer = _SHEETS
    _SHEETS = {} if outer is None else outer
    try:
        yield
    finally:
        if outer is None:
            _SHEETS = None


def _load_sheet(path: Path):
    from python_calamine import CalamineWorkbook

    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _SHEETS is not None and key in _SHEETS:
        return _SHEETS[key]
    check_xlsx_limits(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            sheet = book.get_sheet_by_index(0)
        finally:
            book.close()
    except Exception as exc:  # python-calamine's errors (CalamineError, ZipError, XmlError…) share no base
        raise FileError(_("The XLSX file cannot be opened: %(error)s") % {"error": exc}) from exc
    check_shape(rows=sheet.height, columns=sheet.width)
    if _SHEETS is not None:
        _SHEETS.clear()
        _SHEETS[key] = sheet
    return sheet


def _xlsx_rows(path: Path, fmt: "FileFormat") -> Iterator[tuple[int, list]]:
    """The sheet's rows as python-calamine gives them: text, numbers, dates; "" for an empty cell."""
    sheet = _load_sheet(path)
    first = (sheet.start or (0, 0))[0] + 1
    for offset, values in enumerate(sheet.iter_rows()):
        yield first + offset, values


# CSV


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


# 1C CommerceML 2


# One row per order line, named as the purchase fields are, so the guess maps every column by its own name.
CML_ORDER_COLUMNS = [
    "external_id",
    "purchased_at",
    "status",
    "currency",
    "customer_external_id",
    "customer_name",
    "customer_email",
    "customer_phone",
    "product_external_id",
    "product_name",
    "quantity",
    "unit_price",
    "amount",
]
CML_GOODS_COLUMNS = ["external_id", "name"]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element, name: str):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return "" if element is None or element.text is None else element.text.strip()


def _children(element, name: str) -> list:
    return [] if element is None else [child for child in element if _local(child.tag) == name]


def _requisites(element) -> dict[str, str]:
    """«ЗначенияРеквизитов»: 1C's name → value pairs, names lower-cased."""
    return {
        _text(item, "Наименование").lower(): _text(item, "Значение")
        for item in _children(_child(element, "ЗначенияРеквизитов"), "ЗначениеРеквизита")
    }


def _buyer(document) -> dict[str, str]:
    """The document's buyer: the counterparty whose role is «Покупатель», or the first."""
    parties = _children(_child(document, "Контрагенты"), "Контрагент")
    party = next((p for p in parties if _text(p, "Роль").lower() == "покупатель"), parties[0] if parties else None)
    if party is None:
        return {"id": "", "name": "", "email": "", "phone": ""}
    email = phone = ""
    for contact in _children(_child(party, "Контакты"), "Контакт"):
        kind, value = (_text(contact, "Тип") or _text(contact, "КонтактныйТип")).lower(), _text(contact, "Значение")
        if ("почт" in kind or "mail" in kind) and not email:
            email = value
        elif "телефон" in kind and not phone:
            phone = value
    return {
        "id": _text(party, "Ид"),
        "name": _text(party, "Наименование") or _text(party, "ПолноеНаименование"),
        "email": email,
        "phone": phone,
    }


def _document_status(document) -> str:
    """The order's status as 1C writes it: a return operation, a «cancelled» flag, or the status requisite."""
    if "возврат" in _text(document, "ХозОперация").lower():
        return "returned"
    requisites = _requisites(document)
    if requisites.get("отменен", requisites.get("отменён", "")).lower() in ("true", "истина", "да", "1"):
        return "cancelled"
    return requisites.get("статус заказа", "")


def _order_lines(document) -> list[list[str]]:
    moment = _text(document, "Дата")
    if moment and _text(document, "Время"):
        moment = f"{moment} {_text(document, 'Время')}"
    order = [_text(document, "Номер") or _text(document, "Ид"), moment, _document_status(document)]
    buyer = _buyer(document)
    head = [*order, _text(document, "Валюта"), buyer["id"], buyer["name"], buyer["email"], buyer["phone"]]
    return [
        [
            *head,
            _text(line, "Ид") or _text(line, "Артикул"),
            _text(line, "Наименование"),
            _text(line, "Количество"),
            _text(line, "ЦенаЗаЕдиницу"),
            _text(line, "Сумма"),
        ]
        for line in _children(_child(document, "Товары"), "Товар")
    ]


def _goods_lines(item) -> list[list[str]]:
    return [[_text(item, "Ид") or _text(item, "Артикул"), _text(item, "Наименование")]]


def _cml_rows(path: Path, header: list[str], element: str, lines: Callable) -> Iterator[tuple[int, list]]:
    """Stream the file, one `element` at a time (each cleared once read), as rows under `header`."""
    yield 1, list(header)
    number = 1
    stack: list = []
    try:
        for event, item in ElementTree.iterparse(path, events=("start", "end")):
            if event == "start":
                stack.append(item)
                continue
            stack.pop()
            if _local(item.tag) != element:
                continue
            for row in lines(item):
                number += 1
                yield number, row
            if stack:  # dropped from its parent too, so memory stays flat over a file of any length
                stack[-1].remove(item)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise FileError(
            _("The XML file is broken at line %(line)s, column %(column)s: %(error)s")
            % {"line": line, "column": column, "error": str(exc).split(":")[0]}
        ) from exc


def _cml_order_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list]]:
    return _cml_rows(path, CML_ORDER_COLUMNS, "Документ", _order_lines)


def _cml_goods_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list]]:
    # A catalogue's goods are «Каталог/Товары/Товар»; an order's lines have the same name but live in a
    # «Документ», which a catalogue file has none of.
    return _cml_rows(path, CML_GOODS_COLUMNS, "Товар", _goods_lines)


READERS: dict[str, Callable[[Path, FileFormat], Iterator[tuple[int, list]]]] = {
    "csv": _csv_rows,
    "xlsx": _xlsx_rows,
    "cml-orders": _cml_order_rows,
    "cml-goods": _cml_goods_rows,
}


def read_rows(path: Path, fmt: FileFormat, *, raw: bool = False) -> Iterator[tuple[int, list]]:
    """(row number, cell values) for every row, the header (row 1) included; blank rows left out.

    Values are text, or dates as such (cell_value). With `raw`, an XLSX row's numbers and
    other values are left as read, for a caller that converts only the cells it uses with
    cell_value (services.file_records: a million rows of a dozen columns, of which a few matter).
    """
    if fmt.kind == "csv":
        for number, values in _csv_rows(path, fmt):
            if "".join(values).strip():
                yield number, values
        return
    for number, values in READERS[fmt.kind](path, fmt):
        # A blank XLSX row is all empty cells (""); counted in C, not value by value.
        if values.count("") == len(values):
            continue
        if not raw:
            values = [value if type(value) is str else cell_value(value) for value in values]
        yield number, values


def read_header(path: Path, fmt: FileFormat) -> list[str]:
    """The first non-blank row's names; FileError when there are more than the limit."""
    header, _samples = read_start(path, fmt, n=0)
    return header


def read_start(path: Path, fmt: FileFormat, n: int = 3) -> tuple[list[str], list[list[str]]]:
    """The header and the first `n` data rows as text (to show beside the column choices), in one read."""
    rows = read_rows(path, fmt)
    samples: list[list[str]] = []
    try:
        try:
            _number, header = next(rows)
        except StopIteration:
            raise FileError(_("The file is empty.")) from None
        header = [str(name).strip() for name in header]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise FileError(_("The file is empty."))
        check_shape(columns=len(header))
        for _number, values in rows:
            if len(samples) >= n:
                break
            samples.append([str(value)[:200] for value in values[: len(header)]])
    finally:
        rows.close()
    return header, samples


def sample_rows(path: Path, fmt: FileFormat, n: int = 3) -> list[list]:
    """The first few data rows, to show beside the column choices."""
    return read_start(path, fmt, n)[1]
