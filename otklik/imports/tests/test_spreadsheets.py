"""Spreadsheets read as a person sees them: XLSX streamed (odd files included), .xls and .ods, and the limits."""

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest

from otklik.customers.models import Purchase
from otklik.imports.readers import FileError, detect_format, read_rows, read_start
from otklik.imports.tests.helpers import PURCHASE_HEADER, purchase_rows, write_ods, write_raw_xlsx, write_xlsx
from otklik.imports.tests.test_import import fast, run  # noqa: F401 (a fixture)

FILES = Path(__file__).parent / "files"


def rows_of(path: Path) -> list[tuple[int, list]]:
    return list(read_rows(path, detect_format(path)))


def test_cells_after_a_gap_keep_their_columns_and_empty_rows_keep_their_numbers(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "gaps.xlsx",
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="D3" t="s"><v>1</v></c></row>'
        '<row r="7"><c r="B7" t="s"><v>1</v></c><c r="D7"><v>5</v></c></row>',
        strings=["Номер", "Сумма"],
    )
    assert rows_of(path) == [(3, ["Номер", "", "", "Сумма"]), (7, ["", "Сумма", "", "5"])]


def test_inline_and_rich_texts_booleans_errors_and_formula_results_are_read(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "inline.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>plain</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t xml:space="preserve">rich </t></r><r><t>text</t></r></is></c>'
        '<c r="C1" t="b"><v>1</v></c><c r="D1" t="e"><v>#N/A</v></c>'
        '<c r="E1" t="str"><f>A1</f><v>formula</v></c><c r="F1"><v>1001</v></c><c r="G1"><v>12.5</v></c></row>',
    )
    assert rows_of(path) == [(1, ["plain", "rich text", "yes", "#N/A", "formula", "1001", "12.5"])]


def test_numbers_are_dates_by_their_style_built_in_or_custom(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "dates.xlsx",
        '<row r="1"><c r="A1" s="1"><v>45717</v></c><c r="B1" s="2"><v>45717.4375</v></c>'
        '<c r="C1" s="3"><v>45717.5</v></c><c r="D1" s="4"><v>45717</v></c><c r="E1" s="5"><v>0.5</v></c></row>',
        number_formats={164: "dd/mm/yyyy hh:mm", 165: '0.00" kg"'},
        # 0 general, 14 a built-in date, 164 a custom date and time, 22 built-in date and time, 165 a number, 21 a time
        styles=[0, 14, 164, 22, 165, 21],
    )
    [(_number, values)] = rows_of(path)
    assert values[:3] == [date(2025, 3, 1), datetime(2025, 3, 1, 10, 30), datetime(2025, 3, 1, 12, 0)]
    assert values[3] == "45717"  # "0.00 kg" is a number format, not a date
    assert values[4] == time(12, 0).isoformat()


def test_a_sheet_with_a_prefixed_namespace_is_read(tmp_path):
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Номер</x:t></x:is></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = write_raw_xlsx(tmp_path / "prefixed.xlsx", "", sheet=sheet)
    assert rows_of(path) == [(1, ["Номер"])]


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES = 1 << 20
    filler = "<row/>" * 400_000  # 2.4 MB of XML that packs to a few KB
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", filler)
    assert path.stat().st_size < 50_000
    with pytest.raises(FileError, match="unpacks to 2.3 MB; at most 1 MB"):
        detect_format(path)


def test_a_table_of_texts_too_big_to_hold_is_refused_before_it_is_read(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES = 1 << 20
    path = write_raw_xlsx(
        tmp_path / "texts.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        strings=[str(i) for i in range(50_000)],
    )
    with pytest.raises(FileError, match="table of texts would take 2.[0-9] MB; at most 1 MB"):
        detect_format(path)


def test_a_row_past_the_column_limit_is_refused_while_streaming_a_sheet_without_a_dimension(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "wide.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>1</v></c></row>',
    )
    fmt = detect_format(path)  # no dimension to refuse it by
    with pytest.raises(FileError, match="Row 2 has cells past column 200"):
        list(read_rows(path, fmt))


def test_too_many_rows_are_refused_by_the_dimension_and_while_streaming(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_ROWS = 5
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 9))
    declared = write_raw_xlsx(tmp_path / "declared.xlsx", rows, dimension="A1:A8")
    with pytest.raises(FileError, match="8 rows; at most 5"):
        detect_format(declared)
    undeclared = write_raw_xlsx(tmp_path / "undeclared.xlsx", rows)
    with pytest.raises(FileError, match="more than 5 rows"):
        rows_of(undeclared)


def test_broken_sheet_xml_is_refused_with_the_problem(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "broken.xlsx",
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</c></row>',
    )
    with pytest.raises(FileError, match=r"XLSX file cannot be opened: ill-formed document: .*`</v>` not found"):
        rows_of(path)


def test_a_zip_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("readme.txt", "not a workbook")
    with pytest.raises(FileError, match="no sheet"):
        detect_format(path)


@pytest.mark.parametrize("fault", ["too many rows", "broken XML"])
def test_an_xlsx_failing_at_its_last_row_changes_nothing(world, tmp_path, settings, fast, fault):  # noqa: F811
    settings.OTKLIK_IMPORT_XLSX_MAX_ROWS = 4
    path = write_xlsx(tmp_path / "long.xlsx", [PURCHASE_HEADER, *purchase_rows(4 if fault == "too many rows" else 3)])
    with zipfile.ZipFile(path) as book:
        parts = {item.filename: book.read(item) for item in book.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    if fault == "too many rows":
        # openpyxl declares the dimension; without it the sheet passes the check and fails on its fifth row
        start = sheet.index(b"<dimension")
        sheet = sheet[:start] + sheet[sheet.index(b"/>", start) + 2 :]
        message = "more than 4 rows"
    else:
        cut = sheet.rindex(b"</row>")
        sheet = sheet[:cut] + b'<c r="Z4"><v>1</c>' + sheet[cut:]  # a value never closed
        message = "XLSX file cannot be opened: ill-formed"
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    with pytest.raises(FileError, match=message):
        run(world.org, "purchases", path, fast=fast, chunk_rows=2)
    assert not Purchase.objects.filter(organization=world.org).exists()


def test_an_old_excel_workbook_is_read_by_its_content(tmp_path):
    # Written by xlwt 1.3.0 (not a dependency): three synthetic lines with a date-styled column.
    path = tmp_path / "orders.bin"
    path.write_bytes((FILES / "orders.xls").read_bytes())
    fmt = detect_format(path)
    assert (fmt.kind, fmt.describe()) == ("xls", "XLS (Excel 97–2003)")
    assert list(read_rows(path, fmt))[1] == (2, ["R1", "P1", "2", datetime(2025, 3, 1, 10, 30), "12.5", "1001"])


def test_an_ole2_file_that_is_no_workbook_is_refused_with_a_message(tmp_path):
    path = tmp_path / "letter.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    fmt = detect_format(path)
    with pytest.raises(FileError, match="XLS .* cannot be opened: .*without one"):
        read_start(path, fmt)


def test_an_xls_too_big_to_load_is_refused_before_it_is_read(tmp_path, settings):
    settings.OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES = 1024
    path = tmp_path / "orders.xls"
    path.write_bytes((FILES / "orders.xls").read_bytes())
    with pytest.raises(FileError, match="at most 0 MB are read from this format"):
        detect_format(path)


def test_an_opendocument_spreadsheet_is_read_by_its_content(tmp_path):
    path = write_ods(
        tmp_path / "orders.zip",
        [["Номер", "Дата", "Сумма"], ["R1", ("date", "2025-03-01T10:30:00"), ("float", "12.5")]],
    )
    fmt = detect_format(path)
    assert (fmt.kind, fmt.describe()) == ("ods", "ODS (OpenDocument)")
    assert list(read_rows(path, fmt)) == [
        (1, ["Номер", "Дата", "Сумма"]),
        (2, ["R1", datetime(2025, 3, 1, 10, 30), "12.5"]),
    ]


def test_an_opendocument_text_is_refused_as_no_spreadsheet(tmp_path):
    path = write_ods(tmp_path / "letter.odt", [["x"]], mimetype="application/vnd.oasis.opendocument.text")
    with pytest.raises(FileError, match="a text document, not a spreadsheet"):
        detect_format(path)


def test_an_ods_too_many_rows_is_refused(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_ROWS = 2
    path = write_ods(tmp_path / "long.ods", [["a"], ["1"], ["2"], ["3"]])
    with pytest.raises(FileError, match="4 rows; at most 2"):
        read_start(path, detect_format(path))
