"""The same order lines imported from CSV and from XLSX on PostgreSQL, and read alone, with each one's peak memory.

    .venv/bin/python bench/import_xlsx.py [--rows 1000000] [--database-url postgres://…/otklik_bench]

Writes a seeded order-lines file (the generator bench/import_purchases.py uses: 1C's
Russian headers, orders of 1 to 9 lines, 3 % cancellations) as CSV, and the same rows
as an XLSX the way Excel writes one: texts in the shared strings table, quantities and
prices as numbers, the date as a date-styled number. Both are kept in --cache (default
/tmp/otklik-bench), keyed by rows, seed and day, since writing a million-row XLSX takes
a while. Then, each in a fresh process:

1. reading only: every row made a record of the guessed columns, as an import reads it
   (services.file_records), for CSV and for XLSX, in seconds and CPU seconds; then the
   same with the date column's decision an import makes first (services.decide_date_format,
   one more pass, skipped for a spreadsheet whose dates are typed: decision 0027);
2. `otklik import purchases FILE --org bench-xlsx` from CSV, then from XLSX, each into
   an emptied organization: the whole import, checks and writes included.

Prints seconds, XLSX over CSV and each process's peak resident memory (VmHWM). The
issue's bars: the XLSX import within 2× of the CSV import, XLSX read at least half as
fast as CSV (reading ratio ≤ 2), and no import above 300 MB.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same organization setup, database and vacuum as the CSV bench, so the two measure alike.
from bench.import_purchases import LOCATIONS, ensure_database, setup_script, vacuum  # noqa: E402

PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
ORG = "bench-xlsx"
NUMBERS = {"Количество", "Цена", "Сумма"}  # written as numbers, as Excel keeps them
DATES = {"Дата"}  # written as a date-styled serial number

SETUP = setup_script(ORG, "Bench XLSX")
COUNT = f"""
from otklik.customers.models import PurchaseLine
print(PurchaseLine.objects.filter(purchase__organization__slug="{ORG}").count())
"""
# The child's own high-water mark: ru_maxrss would keep the forking parent's size across exec.
PEAK = """
import atexit, runpy, sys
atexit.register(lambda: print("VmHWM", next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]))
if sys.argv[1] == "-c":
    code, sys.argv = sys.argv[2], ["-c", *sys.argv[3:]]
    exec(compile(code, "<read>", "exec"), {"__name__": "__main__"})
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""
READ = """
import sys, time
import django
django.setup()
from pathlib import Path
from otklik.imports.mapping import guess_mapping
from otklik.imports.readers import detect_format, read_header
from otklik.imports.services import decide_date_format, file_records
try:
    from otklik.imports.services import dates_typed
except ImportError:  # the code before decision 0027, for a before-and-after on one machine
    def dates_typed(*args):
        return False
path = Path(sys.argv[1])
started, cpu = time.perf_counter(), time.process_time()
fmt = detect_format(path)
mapping = guess_mapping("purchases", read_header(path, fmt))
rows = sum(1 for _ in file_records(path, fmt, mapping))
one, one_cpu = time.perf_counter() - started, time.process_time() - cpu
# What an import reads before that pass: the date column, unless the spreadsheet's dates are typed.
if not dates_typed(path, fmt, mapping):
    decide_date_format(path, fmt, mapping)
print(rows, one, one_cpu, time.perf_counter() - started, time.process_time() - cpu)
"""
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EPOCH = datetime(1899, 12, 30)


def column_letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx_from_csv(source: Path, path: Path) -> None:
    """The CSV's rows as an XLSX sheet, streamed into the zip (the parent stays small), with a shared strings table."""
    strings: dict[str, int] = {}
    with open(source, newline="", encoding="utf-8") as f, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        rows = csv.reader(f, delimiter=";")
        header = next(rows)
        letters = [column_letters(i) for i in range(len(header))]
        kinds = ["n" if name in NUMBERS else "d" if name in DATES else "s" for name in header]
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'.encode())
            # No <dimension>: the row count is not known until the end, and the reader counts rows as it goes.
            sheet.write(b"<sheetData>")
            number = 1
            cells = "".join(
                f'<c r="{letter}1" t="s"><v>{strings.setdefault(name, len(strings))}</v></c>'
                for letter, name in zip(letters, header, strict=True)
            )
            buffer = [f'<row r="1">{cells}</row>']
            for values in rows:
                number += 1
                cells = []
                for letter, kind, value in zip(letters, kinds, values, strict=True):
                    if value == "":
                        continue
                    if kind == "n":
                        cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                    elif kind == "d":
                        serial = (datetime.fromisoformat(value) - EPOCH).total_seconds() / 86400
                        cells.append(f'<c r="{letter}{number}" s="1"><v>{serial:.10f}</v></c>')
                    else:
                        index = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{letter}{number}" t="s"><v>{index}</v></c>')
                buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
                if len(buffer) >= 10_000:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        book.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" uniqueCount="{len(strings)}">{shared}</sst>',
        )
        book.writestr(
            "xl/styles.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><cellXfs count="2">'
            '<xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>',
        )
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName='
            '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>",
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONS}/styles" Target="styles.xml"/></Relationships>',
        )


def files(cache: Path, rows: int, seed: int) -> tuple[Path, Path]:
    """The CSV and the XLSX of `rows` order lines, written once per rows, seed and day and then reused."""
    from otklik.imports.samples import write_purchases_csv

    # The orders end at today's midnight (UTC): a cached file stays recent, so the import schedules invitations.
    end = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / f"order-lines-{rows}-{seed}-{end:%Y%m%d}"
    csv_path, xlsx_path = stem.with_suffix(".csv"), stem.with_suffix(".xlsx")
    if not csv_path.exists():
        started = time.perf_counter()
        partial = csv_path.with_suffix(".part")
        write_purchases_csv(
            partial, rows=rows, customers=max(1, rows // 10), locations=LOCATIONS, seed=seed, end=end, days=14
        )
        partial.rename(csv_path)
        print(f"wrote {csv_path} in {time.perf_counter() - started:.0f} s", flush=True)
    if not xlsx_path.exists():
        started = time.perf_counter()
        partial = xlsx_path.with_suffix(".part")
        write_xlsx_from_csv(csv_path, partial)
        partial.rename(xlsx_path)
        print(f"wrote {xlsx_path} in {time.perf_counter() - started:.0f} s", flush=True)
    return csv_path, xlsx_path


def child(args: list[str], env: dict) -> tuple[float, int, str]:
    """(seconds, peak resident memory in MB, output) of one child process run under PEAK."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", PEAK, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    peak = int(lines[-1].split()[1]) // 1024
    return elapsed, peak, "\n".join(lines[:-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "otklik-bench")
    parser.add_argument("--database-url", default=os.environ.get("OTKLIK_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--read-only", action="store_true", help="only the reading, no database")
    args = parser.parse_args()

    csv_path, xlsx_path = files(args.cache, args.rows, args.seed)
    with zipfile.ZipFile(xlsx_path) as book:
        unpacked = sum(item.file_size for item in book.infolist())
    print(
        f"{args.rows} order lines: CSV {csv_path.stat().st_size / 2**20:.0f} MB, XLSX "
        f"{xlsx_path.stat().st_size / 2**20:.0f} MB (unpacks to {unpacked / 2**20:.0f} MB); "
        f"load {open('/proc/loadavg').read().split()[0]}",
        flush=True,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATABASE_URL": args.database_url,
        "OTKLIK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    results: dict[str, tuple[float, int]] = {}
    for name, path in [("CSV", csv_path), ("XLSX", xlsx_path)]:
        seconds, peak, out = child(["-c", READ, str(path)], env)
        rows, read_s, read_cpu, dated_s, dated_cpu = out.split()[-5:]
        results[f"read {name}"] = (float(read_s), peak)
        results[f"read CPU {name}"] = (float(read_cpu), peak)
        results[f"read+dates {name}"] = (float(dated_s), peak)
        results[f"read+dates CPU {name}"] = (float(dated_cpu), peak)
        print(
            f"read {name}: {int(rows)} rows in {float(read_s):.1f} s ({float(read_cpu):.1f} s CPU), "
            f"with the date column's decision {float(dated_s):.1f} s ({float(dated_cpu):.1f} s CPU), peak {peak} MB",
            flush=True,
        )
    if not args.read_only:
        ensure_database(args.database_url)
        manage = str(ROOT / "manage.py")
        subprocess.run([PYTHON, manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        for name, path in [("CSV", csv_path), ("XLSX", xlsx_path)]:
            subprocess.run([PYTHON, manage, "shell", "-v0", "-c", SETUP], env=env, check=True, cwd=ROOT)
            vacuum(args.database_url)
            seconds, peak, out = child([manage, "import", "purchases", str(path), "--org", ORG, "-v", "2"], env)
            results[f"import {name}"] = (seconds, peak)
            stored = subprocess.run(
                [PYTHON, manage, "shell", "-v0", "-c", COUNT], env=env, check=True, cwd=ROOT, capture_output=True
            ).stdout.split()[-1]
            print(f"import {name}: {seconds:.1f} s, peak {peak} MB, {int(stored)} lines stored", flush=True)
            print("   " + out.strip().splitlines()[-1], flush=True)
            if int(stored) != args.rows:
                raise SystemExit(f"expected {args.rows} lines stored from {name}, found {int(stored)}")

    print(f"\n{args.rows} order lines, load {open('/proc/loadavg').read().split()[0]} at the end")
    print(f"{'':<22}{'CSV s':>8}{'XLSX s':>8}{'XLSX/CSV':>10}{'CSV MB':>8}{'XLSX MB':>9}")
    rows = [
        ("read", "reading: at most 2"),
        ("read CPU", "the same in CPU seconds, steadier on a busy machine"),
        ("read+dates", "what an import reads: the date decision too"),
        ("read+dates CPU", ""),
        ("import", "import: at most 2"),
    ]
    for what, bar in rows:
        if f"{what} CSV" not in results:
            continue
        (csv_s, csv_mb), (xlsx_s, xlsx_mb) = results[f"{what} CSV"], results[f"{what} XLSX"]
        note = f"   ({bar})" if bar else ""
        print(f"{what:<22}{csv_s:>8.1f}{xlsx_s:>8.1f}{xlsx_s / csv_s:>10.2f}{csv_mb:>8}{xlsx_mb:>9}{note}")
    print("peak memory: at most 300 MB for any import")


if __name__ == "__main__":
    main()
