"""Reading uploaded and exchange files row by row: CSV (sniffed), XLSX, XLS, ODS and 1C CommerceML 2 XML.

What a file is is told by its content, never by its name: a zip is XLSX (or ODS when its
mimetype says so), an OLE2 compound file is .xls, XML whose
root is «КоммерческаяИнформация» is 1C CommerceML (orders or the catalogue), any
other text is CSV: RECOGNISERS tell a format by the file's first bytes, and each
kind has its reader in READERS. Every reader gives the
same thing: (row number, cell values), the header first, so mapping and checking
work alike for all of them.

CSV comes as UTF-8 (with or without a BOM), UTF-16 (Excel's "Unicode text", with a BOM or
without), Windows-1251 (the code page 1C and Excel write on Russian and Ukrainian machines) or
Windows-1252 (Excel on English and Western European ones), told from the bytes (_sniff_encoding)
and refused when they cannot tell; the delimiter is a semicolon, a comma
or a tab, told from the header line. Rows are numbered as a spreadsheet shows them:
the header is row 1, or the row under a report's title rows (_from_header). CommerceML
has no header: its reader gives one made of field names (one row per order line),
numbered as if it had.

Spreadsheets are read by spreadsheets.py: XLSX streamed row by row (python-calamine-plus),
old Excel .xls (an OLE2 file) and OpenDocument .ods loaded a sheet at a time (python-calamine),
each held to the OTKLIK_IMPORT_* limits before it is read, so an import's memory stays
bounded whatever the file.
"""

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

import charset_normalizer
from django.utils.translation import gettext as _

from otklik.imports import spreadsheets
from otklik.imports.spreadsheets import SheetError

# Where an import holds an .xls or .ods sheet for all its passes (services, the import command use it from here).
sheets_kept = spreadsheets.sheets_kept

SAMPLE_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CML_ROOT = "КоммерческаяИнформация"
csv.field_size_limit(1 << 20)


class FileError(ValueError):
    """The file as a whole cannot be read (its format, encoding or header)."""


@dataclass(frozen=True)
class FileFormat:
    kind: str  # a key of READERS: "csv", "xlsx", "xls", "ods", "cml-orders", "cml-goods"
    encoding: str = "utf-8-sig"
    delimiter: str = ","

    def describe(self) -> str:
        if self.kind == "xlsx":
            return "XLSX"
        if self.kind in ("xls", "ods"):
            return spreadsheets.describe_loaded(self.kind)
        if self.kind == "cml-orders":
            return _("1C CommerceML, orders")
        if self.kind == "cml-goods":
            return _("1C CommerceML, catalogue")
        shown = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(self.delimiter, self.delimiter)
        return f"CSV, {_shown(self.encoding)}, «{shown}»"

    @property
    def kinds(self) -> tuple[str, ...]:
        """The import kinds a file of this format can hold (CommerceML says what it holds)."""
        return {"cml-orders": ("purchases",), "cml-goods": ("products",)}.get(
            self.kind, ("customers", "products", "purchases", "complaints")
        )


# The single-byte code pages real exports come in: 1C and Excel on Russian and Ukrainian machines write
# Windows-1251, Excel on English and Western European ones Windows-1252. Any byte decodes in either, so the
# choice is charset-normalizer's: which reading looks like text (its "chaos", mess such as "Cafй" or "MьЛler")
# and like a language (its "coherence"). When neither reading is clearly better the file is refused.
CODE_PAGES = ("cp1251", "cp1252")
TRIED = "UTF-8, UTF-16, Windows-1251, Windows-1252"
# How much clearer one reading must be than the other to decide: in chaos, or else in coherence.
CHAOS_MARGIN = 0.05
COHERENCE_MARGIN = 0.1


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 saved without a BOM: the zero high bytes of ASCII (digits, delimiters) sit on one side."""
    head = sample[:4096]
    head = head[: len(head) - len(head) % 2]
    pairs = len(head) // 2
    if not pairs:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= pairs * 0.2 and others <= pairs * 0.01:
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            except UnicodeDecodeError:
                return None
            controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
            return encoding if not controls else None
    return None


def _same_in_both_code_pages(sample: bytes) -> bool:
    """Whether every byte above ASCII in the sample is the same character in Windows-1251 and -1252."""
    high = set(sample.translate(None, bytes(range(128))))
    return all(bytes([byte]).decode("cp1251", "replace") == bytes([byte]).decode("cp1252", "replace") for byte in high)


def _shown(encoding: str) -> str:
    """An encoding as the mapping step and the command report name it: "UTF-8", "CP1252", "UTF-16-LE"."""
    return encoding.removesuffix("-sig").upper()


def _sniff_encoding(sample: bytes) -> str:
    """The encoding of a CSV without a UTF-16 BOM: UTF-8 (BOM or not), BOM-less UTF-16, Windows-1251 or -1252.

    Never a guess stored silently: a file whose bytes fit both code pages equally well is refused (FileError)
    with the encodings tried, and the user can name one (the import command's --encoding).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    # UTF-16 first: its zero bytes are valid UTF-8.
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if b"\x00" in sample[:4096]:
        raise FileError(_("This is not a CSV or XLSX file (save it from Excel as CSV or XLSX)."))
    try:
        # An incremental decoder tolerates a character cut in two at the sample's end.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    if _same_in_both_code_pages(sample):
        return "cp1251"  # ASCII with only “quotes”, dashes, №…: either reading gives the same text
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(CODE_PAGES))
    readings = sorted(
        (match for match in matches if match.encoding in CODE_PAGES), key=lambda match: (match.chaos, -match.coherence)
    )
    if len(readings) == 1 or (
        len(readings) > 1
        and (
            readings[1].chaos - readings[0].chaos >= CHAOS_MARGIN
            or readings[0].coherence - readings[1].coherence >= COHERENCE_MARGIN
        )
    ):
        return readings[0].encoding
    raise FileError(
        _(
            "The file's encoding cannot be told from its bytes (tried %(encodings)s); save it as “CSV UTF-8” "
            "(the import command also takes --encoding)."
        )
        % {"encodings": TRIED}
    )


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    if not lines:
        raise FileError(_("The file is empty."))
    # The header's count decides; ties go to the first in DELIMITERS (1C's semicolon). A first line with one
    # delimiter at most may be a report's title above the header ("Продажи, март 2024"): then the line of the
    # first few that has the most of one decides.
    counts = {delimiter: lines[0].count(delimiter) for delimiter in DELIMITERS}
    if max(counts.values()) <= 1 and len(lines) > 1:
        # The delimiter that splits the most lines into the same number of fields ("Smith, John" in a value
        # of a two-column file with semicolons does not make it comma-separated).
        counts = {delimiter: _steadiness([line.count(delimiter) for line in lines]) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _steadiness(counts: list[int]) -> tuple[int, int]:
    """(how many lines share the commonest non-zero count, that count); (0, 0) when none has any."""
    seen = [count for count in counts if count]
    if not seen:
        return (0, 0)
    common = max(set(seen), key=lambda count: (seen.count(count), count))
    return (seen.count(common), common)


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


def _zip_format(path: Path, sample: bytes) -> FileFormat | None:
    """A zip is an XLSX, or an ODS when its mimetype says so; each is held to its limits before it is read."""
    if not sample.startswith(XLSX_MAGIC):
        return None
    try:
        kind = spreadsheets.zip_kind(path)
        if kind == "ods":
            spreadsheets.check_loaded(path, kind)
        else:
            spreadsheets.check_xlsx(path)
    except SheetError as exc:
        raise FileError(str(exc)) from exc
    return FileFormat(kind)


def _xls_format(path: Path, sample: bytes) -> FileFormat | None:
    """Excel 97–2003's binary workbook: an OLE2 compound file."""
    if not sample.startswith(OLE2_MAGIC):
        return None
    try:
        spreadsheets.check_loaded(path, "xls")
    except SheetError as exc:
        raise FileError(str(exc)) from exc
    return FileFormat("xls")


def _xml_format(path: Path, sample: bytes) -> FileFormat | None:
    if not sample.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<"):
        return None
    return FileFormat(_xml_kind(sample))


# The formats told by a file's first bytes, tried in order: each gives the FileFormat it reads the file as,
# None when the file is not its kind, or FileError when it is but cannot be read. Whatever none of them
# claims is read as CSV (detect_format). Each FileFormat.kind has its reader in READERS.
RECOGNISERS: list[Callable[[Path, bytes], FileFormat | None]] = [_zip_format, _xls_format, _xml_format]


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
    encoding = encoding or _sniff_encoding(sample)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileError(
            _("The file is not %(encoding)s text (tried %(encodings)s).")
            % {"encoding": _shown(encoding), "encodings": TRIED}
        ) from exc
    return FileFormat("csv", encoding, delimiter or _sniff_delimiter(text))


# Spreadsheets (spreadsheets.py): XLSX streamed, .xls and .ods loaded a sheet at a time


def _sheet_errors(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    try:
        yield from rows
    except SheetError as exc:
        raise FileError(str(exc)) from exc


def check_xlsx_limits(path: Path) -> None:
    """Refuse, before reading it, an XLSX that unpacks too big or declares too many rows or columns."""
    try:
        spreadsheets.check_xlsx(path)
    except SheetError as exc:
        raise FileError(str(exc)) from exc


def check_shape(*, rows: int | None = None, columns: int | None = None) -> None:
    """Refuse a sheet with more rows or columns than the limits allow."""
    problem = spreadsheets.shape_problem(rows=rows, columns=columns)
    if problem:
        raise FileError(problem)


def cell_value(value) -> object:
    """A spreadsheet cell as the validators take it: text, or a date/datetime kept as such."""
    kind = type(value)
    if kind is str or kind is datetime or kind is date:
        return value
    if kind is int:  # python-calamine-plus gives a whole number as an int
        return str(value)
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


def _xlsx_rows(path: Path, fmt: "FileFormat") -> Iterator[tuple[int, list]]:
    """The sheet's rows as python-calamine-plus streams them: text, numbers, dates; "" for an empty cell."""
    return _sheet_errors(spreadsheets.xlsx_rows(path))


def _loaded_rows(path: Path, fmt: "FileFormat") -> Iterator[tuple[int, list]]:
    return _sheet_errors(spreadsheets.loaded_rows(path, fmt.kind))


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
                % {"row": number + 1, "encoding": _shown(fmt.encoding)}
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
    # A return is a document of its own («Возврат товара»), listing what came back as positive quantities:
    # its lines are given back, so they are written negative and take their amount off the customer's revenue.
    given_back = _returned if "возврат" in _text(document, "ХозОперация").lower() else str
    return [
        [
            *head,
            _text(line, "Ид") or _text(line, "Артикул"),
            _text(line, "Наименование"),
            given_back(_text(line, "Количество")),
            _text(line, "ЦенаЗаЕдиницу"),
            given_back(_text(line, "Сумма")),
        ]
        for line in _children(_child(document, "Товары"), "Товар")
    ]


def _returned(number: str) -> str:
    """A return document's quantity or amount as a negative number ("2" → "-2"); empty and zero stay."""
    if not number or number.startswith("-") or not number.strip("0.,"):
        return number
    return "-" + number


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
    "xls": _loaded_rows,
    "ods": _loaded_rows,
    "cml-orders": _cml_order_rows,
    "cml-goods": _cml_goods_rows,
}


# Title rows: a report saved from 1C or Excel puts its name, period and organization above the header.
HEADER_SEARCH_ROWS = 10
DATA_CELL = re.compile(r"[-+(]?[\d.,:/\s\u00a0]+\)?")


def _filled(values: list) -> int:
    return sum(1 for value in values if value is not None and (type(value) is not str or value.strip()))


def _holds_data(values: list) -> bool:
    """Whether a cell of the row is a number or a date: a header names its columns, it holds no figures."""
    return any(type(value) is not str or DATA_CELL.fullmatch(value.strip()) for value in values if value)


def _column_numbers(values: list) -> bool:
    """Whether a row is 1, 2, 3… (three at least), as 1C prints under a report's header."""
    cells = [str(value).strip() for value in values if value is not None and str(value).strip()]
    return len(cells) >= 3 and cells == [str(number) for number in range(1, len(cells) + 1)]


def _from_header(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The rows from the header on: title rows above it («Отчёт о продажах», «Период: …») left out.

    The header is the first of the first HEADER_SEARCH_ROWS rows that fills at least two thirds
    as many cells as the widest of them (two at least), unless that row holds a figure: a file
    whose header names fewer columns than its rows fill keeps its first row as the header.
    """
    try:
        head = []
        for item in rows:
            head.append(item)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if head:
            widths = [_filled(values) for _number, values in head]
            least = max(2, -(-max(widths) * 2 // 3))  # two thirds, rounded up
            start = next((index for index, width in enumerate(widths) if width >= least), 0)
            if start and _holds_data(head[start][1]):
                start = 0
            if _column_numbers(head[start + 1][1] if start + 1 < len(head) else []):
                del head[start + 1]  # 1C's printed form numbers its columns under the header: 1, 2, 3…
            yield from head[start:]
        yield from rows
    finally:
        rows.close()


def read_rows(path: Path, fmt: FileFormat, *, raw: bool = False) -> Iterator[tuple[int, list]]:
    """(row number, cell values) for every row from the header on (_from_header); blank rows left out.

    Values are text, or dates as such (cell_value). With `raw`, an XLSX row's numbers and
    other values are left as read, for a caller that converts only the cells it uses with
    cell_value (services.file_records: a million rows of a dozen columns, of which a few matter).
    """
    rows = _rows(path, fmt, raw=raw)
    return rows if fmt.kind.startswith("cml-") else _from_header(rows)


def _rows(path: Path, fmt: FileFormat, *, raw: bool = False) -> Iterator[tuple[int, list]]:
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


# The first rows the mapping's guess looks at: enough to see an order with several lines (a repeated
# order total, decision 0074) or a customer column's values beyond one or two orders; a few are shown.
GUESS_ROWS = 50
SHOWN_ROWS = 3


def read_start(path: Path, fmt: FileFormat, n: int = SHOWN_ROWS) -> tuple[list[str], list[list[str]]]:
    """The header and the first `n` data rows as text (for the guess, and to show beside the column choices)."""
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


def sample_rows(path: Path, fmt: FileFormat, n: int = SHOWN_ROWS) -> list[list]:
    """The first few data rows, to show beside the column choices."""
    return read_start(path, fmt, n)[1]
