"""An XLSX read once when its dates are typed, and a zip that lies about its sizes (decision 0027)."""

import random
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from otklik.customers.models import Purchase
from otklik.imports import services
from otklik.imports.readers import FileError, FileFormat, detect_format, read_rows
from otklik.imports.tests.helpers import lie_about_size, write_raw_xlsx, write_xlsx
from otklik.imports.tests.test_import import fast, run  # noqa: F401 (a fixture)

HEADER = ["Номер", "Дата", "Код клиента", "Код товара", "Сумма"]


def order_rows(n: int, *, text_at: int | None = None) -> list[list]:
    """n order lines with typed dates; the data row `text_at` (1-based) has its date written as text."""
    rows = []
    for i in range(1, n + 1):
        moment = datetime(2025, 3, 1 + i % 28, 10, i % 60)
        rows.append([f"R{i}", f"{moment:%d.%m.%Y %H:%M}" if i == text_at else moment, f"C{i % 5}", "P1", 100.5])
    return rows


@pytest.fixture
def passes(monkeypatch):
    """How many times the import read the file whole: the deciding passes over the date column are counted apart
    (`first`: the format from its first rows, which decides a file no longer than those, decision 0068)."""
    counted = {"decide": 0, "first": 0, "records": 0}
    decide, first, records = services.decide_date_format, services.first_date_format, services.file_records

    def counting_first(*args, **kwargs):
        counted["first"] += 1
        return first(*args, **kwargs)

    def counting_decide(*args, **kwargs):
        counted["decide"] += 1
        return decide(*args, **kwargs)

    def counting_records(path, fmt, mapping, **kwargs):
        if len(mapping) > 1:  # the reading of every mapped column (the peek and the decision read one)
            counted["records"] += 1
        return records(path, fmt, mapping, **kwargs)

    monkeypatch.setattr(services, "decide_date_format", counting_decide)
    monkeypatch.setattr(services, "first_date_format", counting_first)
    monkeypatch.setattr(services, "file_records", counting_records)
    return counted


def test_typed_dates_are_imported_reading_the_file_once(world, tmp_path, fast, passes):  # noqa: F811
    path = write_xlsx(tmp_path / "typed.xlsx", [HEADER, *order_rows(150)])
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=40)
    assert report.written and report.rows == 150 and report.date_format == ""
    # The check and the ORM's writing are two passes; PostgreSQL's fast path checks and writes in one.
    assert passes == {"decide": 0, "first": 0, "records": 1 if fast else 2}
    assert Purchase.objects.get(organization=world.org, external_id="R120").purchased_at.day == 1 + 120 % 28


def test_a_date_as_text_after_typed_ones_decides_the_column_nothing_written_twice(world, tmp_path, fast, passes):  # noqa: F811
    path = write_xlsx(tmp_path / "mixed.xlsx", [HEADER, *order_rows(150, text_at=130)])
    report = run(world.org, "purchases", path, fast=fast, chunk_rows=40)
    assert report.written and report.rows == 150 and report.date_format == "dmy"
    assert (passes["decide"], passes["first"]) == (0, 1)  # 150 rows: the first rows' format is the column's
    assert Purchase.objects.filter(organization=world.org).count() == 150
    moment = Purchase.objects.get(organization=world.org, external_id="R130").purchased_at
    assert (moment.day, moment.month) == (1 + 130 % 28, 3)


def test_a_date_as_text_among_the_first_rows_decides_the_column_first(world, tmp_path, passes):
    path = write_xlsx(tmp_path / "text.xlsx", [HEADER, *order_rows(20, text_at=3)])
    report = run(world.org, "purchases", path, fast=False)
    assert report.written and report.date_format == "dmy"
    assert passes == {"decide": 0, "first": 1, "records": 2}  # no optimistic pass: the peek saw the text


# Texts that pack poorly: a lie on an entry that packs to a few KB is already betrayed by its CRC when the
# first 16 KB are read for the sheet's dimension (the last test); these pack to hundreds of KB, read past that.
TEXTS = [random.Random(i).randbytes(40).hex() for i in range(15_000)]  # 1.2 MB, 0.8 MB packed


def test_a_sheet_that_declares_a_small_size_is_refused_by_what_it_unpacks_to(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES = 1 << 20
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{text}</t></is></c></row>' for i, text in enumerate(TEXTS, 1)
    )
    path = lie_about_size(write_raw_xlsx(tmp_path / "liar.xlsx", rows), "xl/worksheets/sheet1.xml", 100_000)
    with zipfile.ZipFile(path) as book:
        assert book.getinfo("xl/worksheets/sheet1.xml").file_size == 100_000  # what the declared check sees
    with pytest.raises(FileError, match="unpacks to > 1.0 MB; at most 1 MB"):
        detect_format(path)


def test_a_table_of_texts_that_declares_a_small_size_is_refused_by_what_it_unpacks_to(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES = 1 << 20
    path = write_raw_xlsx(tmp_path / "texts.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings=TEXTS)
    # Declared: 0.1 MB and 0.5 MB reckoned for 15 000 texts, within the limit; really 1.4 MB.
    lie_about_size(path, "xl/sharedStrings.xml", 100_000)
    with pytest.raises(FileError, match="table of texts would take > 1.0 MB; at most 1 MB"):
        detect_format(path)


def test_a_small_entry_that_declares_a_wrong_size_is_refused_as_broken(tmp_path):
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 2001))
    path = lie_about_size(write_raw_xlsx(tmp_path / "small.xlsx", rows), "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(FileError, match="cannot be opened: Bad CRC-32"):
        detect_format(path)


def test_a_sheet_within_the_limits_is_read_whole_after_its_sizes_are_counted(tmp_path, settings):
    settings.OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES = 4 << 20  # 2.2 MB; packed, it could pass 4: counted
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{text}</t></is></c></row>' for i, text in enumerate(TEXTS, 1)
    )
    path = write_raw_xlsx(tmp_path / "honest.xlsx", rows)
    assert len(list(read_rows(path, detect_format(path)))) == len(TEXTS)


@pytest.mark.parametrize("kept", [100_000, 2], ids=["kept", "past-the-kept-ones"])
def test_numbers_become_the_same_text_once_per_value_and_a_bool_never_passes_for_one(monkeypatch, kept):
    monkeypatch.setattr(services, "NUMBERS_KEPT", kept)
    rows = [(1, ["a", "b"]), (2, [1, True]), (3, [True, 1]), (4, [1.0, 2.5]), (5, [1001.0, 1e20]), (6, [2.5, False])]
    monkeypatch.setattr(services, "read_rows", lambda *args, **kwargs: (row for row in rows))
    records = [record for _n, record in services.file_records(Path("x.xlsx"), FileFormat("xlsx"), {"a": 0, "b": 1})]
    assert records == [
        {"a": "1", "b": "yes"},
        {"a": "yes", "b": "1"},  # True == 1 as a key: bools are converted apart
        {"a": "1", "b": "2.5"},
        {"a": "1001", "b": "1e+20"},
        {"a": "2.5", "b": "no"},
    ]
