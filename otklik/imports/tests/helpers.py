"""Small file builders for the import tests."""

import csv
from pathlib import Path

from openpyxl import Workbook

PURCHASE_HEADER = ["Номер", "Дата", "Код клиента", "Клиент", "Телефон", "Код товара", "Товар", "Сумма", "Магазин"]


def write_csv(path: Path, rows: list[list], *, delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def purchase_rows(n: int, *, start: int = 1, location: str = "Main Street", amount: str = "100.50") -> list[list]:
    """n purchases by three customers of two products, as 1C exports them."""
    return [
        [
            f"R{i}",
            f"0{1 + i % 9}.03.2025 10:{i % 60:02d}",
            f"C{i % 3}",
            f"Customer {i % 3}",
            f"+7 916 000-00-0{i % 3}",
            f"P{i % 2}",
            f"Product {i % 2}",
            amount,
            location,
        ]
        for i in range(start, start + n)
    ]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_raw_xlsx(
    path: Path,
    rows_xml: str,
    *,
    strings: list[str] = (),
    number_formats: dict[int, str] | None = None,
    styles: list[int] = (),
    dimension: str = "",
    sheet: str | None = None,
) -> Path:
    """An XLSX whose sheet XML is written by hand: `rows_xml` goes inside <sheetData>, `styles` are the
    cellXfs' numFmtIds (the cell attribute s="N" picks the Nth), `number_formats` the custom formats."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    formats = "".join(
        f"<numFmt numFmtId={quoteattr(str(key))} formatCode={quoteattr(code)}/>"
        for key, code in (number_formats or {}).items()
    )
    xfs = "".join(f'<xf numFmtId="{code}" fontId="0" fillId="0" borderId="0"/>' for code in styles or [0])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONS}/styles" Target="styles.xml"/></Relationships>',
        )
        book.writestr(
            "xl/styles.xml",
            f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts>{formats}</numFmts>'
            f"<cellXfs>{xfs}</cellXfs></styleSheet>",
        )
        shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        book.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst xmlns="{MAIN}" uniqueCount="{len(strings)}">{shared}</sst>',
        )
        dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
        book.writestr(
            "xl/worksheets/sheet1.xml",
            sheet
            if sheet is not None
            else f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{dimension_xml}<sheetData>{rows_xml}</sheetData>'
            "</worksheet>",
        )
    return path


def lie_about_size(path: Path, member: str, size: int) -> Path:
    """Rewrite the unpacked size the zip declares for `member` (local header and central directory), as a
    crafted file would; its data and CRC stay those of the real content."""
    import struct
    import zipfile

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        info = book.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, size)  # the local header's uncompressed size
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + length] == member.encode():
            struct.pack_into("<I", data, entry + 24, size)  # the central directory's
        entry = data.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(data))
    return path


def write_ods(
    path: Path, rows: list[list], *, mimetype: str = "application/vnd.oasis.opendocument.spreadsheet"
) -> Path:
    """An OpenDocument spreadsheet as LibreOffice lays it out: the mimetype first and unpacked, then content.xml.
    A value is text, or a (kind, value) pair for a typed cell: ("float", "12.5"), ("date", "2025-03-01T10:30:00")."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value) -> str:
        if isinstance(value, tuple):
            kind, raw = value
            attribute = {"float": "office:value", "date": "office:date-value"}[kind]
            typed = f'office:value-type="{kind}" {attribute}="{raw}"'
            return f"<table:table-cell {typed}><text:p>{raw}</text:p></table:table-cell>"
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join(f"<table:table-row>{''.join(cell(value) for value in row)}</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        book.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        book.writestr("content.xml", content)
    return path
