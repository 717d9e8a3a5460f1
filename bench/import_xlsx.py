"""Reading order lines from XLSX against reading the same rows from CSV, and the reader's peak memory.

    .venv/bin/python bench/import_xlsx.py [--rows 200000]

Writes a seeded order-lines file (a retailer's export: invoice number, stock code,
description, quantity, US date, unit price, customer id, country) twice: as CSV, and
as an XLSX the way Excel writes it (shared strings, numbers as numbers). Then, each
in a fresh process, reads it the way an import does (otklik.imports.services.
file_records: every row as a record of the guessed columns, null tokens made empty)
and prints the seconds, rows per second, XLSX over CSV, and each process's peak
resident memory. The issue's bar: XLSX at least half as fast as CSV (ratio ≤ 2),
and no import above 300 MB.

XLSX is read by python-calamine, which holds the sheet in memory; the default limits
(OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES, OTKLIK_IMPORT_XLSX_MAX_ROWS) refuse a sheet
that would not fit. --rows above what they allow shows the refusal.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
COUNTRIES = ["United Kingdom", "France", "Germany", "EIRE", "Spain", "Netherlands"]
WORDS = ["WHITE", "HANGING", "HEART", "LANTERN", "METAL", "CLOCK", "PINK", "SET", "OF", "3", "CAKE", "TINS"]

READ = """
import sys, time
import django
django.setup()
from pathlib import Path
from otklik.imports.mapping import guess_mapping
from otklik.imports.readers import detect_format, read_header, sheets_kept
from otklik.imports.services import file_records
path = Path(sys.argv[1])
started = time.perf_counter()
with sheets_kept():  # as an import reads it: the header and the rows from one load
    fmt = detect_format(path)
    mapping = guess_mapping("purchases", read_header(path, fmt))
    if sys.argv[2] == "check":  # and as its check does: every row made plain and validated (no database)
        from zoneinfo import ZoneInfo
        from otklik.imports.cleaning import ReadOptions, purchase_preparer
        from otklik.imports.fast_clean import purchase_cleaner
        from otklik.imports.services import chunked, validate_chunk, ImportReport, decide_date_format
        date_format = decide_date_format(path, fmt, mapping)
        prepare = purchase_preparer(ReadOptions(currency="GBP", date_format=date_format, without_customer="skip"))
        validate = purchase_cleaner(tz=ZoneInfo("Europe/London"), locations={})
        report = ImportReport(kind="purchases")
        for chunk in chunked(file_records(path, fmt, mapping), 25000):
            validate_chunk(chunk, lambda record: validate(prepare(record)), report)
        assert report.ok, report.errors[:3]
        rows = report.rows
    else:
        rows = sum(1 for _ in file_records(path, fmt, mapping))
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(rows, seconds, peak // 1024)
"""


def order_lines(n: int, seed: int) -> list[list]:
    rng = random.Random(seed)
    products = [
        (
            f"{rng.randint(10000, 99999)}{rng.choice(['', 'A', 'B'])}",
            " ".join(rng.sample(WORDS, 4)),
            rng.randint(50, 2000) / 100,
        )
        for _ in range(3000)
    ]
    rows, invoice = [], 536365
    for i in range(n):
        if i % 20 == 0:
            invoice += 1
            customer = "" if rng.random() < 0.25 else rng.randint(12346, 18287)
            moment = f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2011 {rng.randint(8, 20)}:{rng.randint(0, 59):02d}"
            country = rng.choice(COUNTRIES)
        code, name, price = rng.choice(products)
        rows.append([str(invoice), code, name, rng.randint(1, 48), moment, price, customer, country])
    return rows


def write_csv(path: Path, rows: list[list]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, rows: list[list]) -> None:
    """An XLSX as Excel writes it: text in the shared strings table, numbers inline, a dimension."""
    strings: dict[str, int] = {}

    def cell(ref: str, value) -> str:
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        if value == "":
            return ""
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    letters = [_column(i) for i in range(len(HEADER))]
    body = []
    for number, row in enumerate([HEADER, *rows], start=1):
        cells = "".join(cell(f"{letter}{number}", value) for letter, value in zip(letters, row, strict=True))
        body.append(f'<row r="{number}">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
        f'<dimension ref="A1:{letters[-1]}{len(rows) + 1}"/><sheetData>{"".join(body)}</sheetData></worksheet>'
    )
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{relations}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            '<sheet name="Online Retail" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{relations}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{relations}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        book.writestr("xl/worksheets/sheet1.xml", sheet)
        book.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{shared}</sst>',
        )


def read(path: Path, mode: str) -> tuple[int, float, int]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "otklik.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", READ, str(path), mode], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr.strip().splitlines()[-1])
    rows, seconds, peak = done.stdout.split()
    return int(rows), float(seconds), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="reads of each file; the fastest counts")
    args = parser.parse_args()
    lines = order_lines(args.rows, args.seed)
    with tempfile.TemporaryDirectory() as directory:
        csv_path, xlsx_path = Path(directory) / "lines.csv", Path(directory) / "lines.xlsx"
        write_csv(csv_path, lines)
        write_xlsx(xlsx_path, lines)
        with zipfile.ZipFile(xlsx_path) as book:
            unpacked = sum(item.file_size for item in book.infolist())
        print(
            f"{args.rows} order lines: CSV {csv_path.stat().st_size / 2**20:.1f} MB, "
            f"XLSX {xlsx_path.stat().st_size / 2**20:.1f} MB (unpacks to {unpacked / 2**20:.1f} MB)"
        )
        for mode, what in [("read", "reading the rows"), ("check", "reading and checking every row")]:
            print(f"{what}:")
            results = {}
            for name, path in [("CSV", csv_path), ("XLSX", xlsx_path)]:
                runs = [read(path, mode) for _ in range(args.runs)]
                rows, seconds, peak = min(runs, key=lambda run: run[1])
                results[name] = seconds
                peak = max(run[2] for run in runs)
                print(f"  {name:5} {seconds:6.2f} s  {rows / seconds:9.0f} rows/s  peak RSS {peak} MB")
            print(f"  XLSX / CSV: {results['XLSX'] / results['CSV']:.2f} (the bar: at most 2)")


if __name__ == "__main__":
    main()
