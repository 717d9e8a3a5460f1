"""The digest text the validator process stages for a line is PostgreSQL's own `ROW(…)::text` of the staged values.

An order's digest (pg_fast._digest) hashes each line's record text. The validator process now makes
that text (pg_fast.record_texts) so that PostgreSQL does not call an output function per column and
line; the digests, stored with every order, must stay what PostgreSQL's record output gives, or an
order stored before would read as changed. Each staged row here goes through the real COPY into a
staging table, and its staged text is compared with the record PostgreSQL writes from the same row.
"""

import pytest
from django.db import connection

from otklik.imports.pg_fast import (
    DIGEST_COLUMNS,
    STAGING_COLUMNS,
    _copy_payload,
    record_texts,
    session_writes_utc_iso,
    staging_rows,
)
from otklik.imports.services import ImportReport
from otklik.imports.tests.test_fast_rows import OPTIONS, Pair, varied

pytestmark = pytest.mark.django_db

ODD_TEXTS = ["", "a,b", 'say "hi"', "back\\slash", "two words", "(x)", "tab\there", "ё ж", "line\nbreak", "a\x0bb"]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the staging table and its digest are the PostgreSQL path's")


def plain_row(line: int, order: str, **values) -> tuple:
    """A staging row as the plain-line shortcut makes it (imports.fast_rows), with `values` changed by name."""
    row = {
        "line": line,
        "external_id": order,
        "customer_external_id": "C1",
        "product_external_id": "P1",
        "quantity": "2",
        "unit_price": "3.5",
        "amount": "7",
        "currency": "RUB",
        "purchased_at": "2025-03-01 10:00:00+03:00",
        "location_id": 5,
        "employee_name": "",
        "rank": 0,
        "c_name": "",
        "c_email": "",
        "c_phone": "",
        "c_language": "",
        "p_name": "",
    }
    return tuple((row | values).values())


def odd_rows() -> list[tuple]:
    rows = []
    for index, text in enumerate(ODD_TEXTS):
        rows += [
            plain_row(0, f"T{index}", customer_external_id=text or "C", product_external_id=f"p {text}"),
            plain_row(0, f"E{index}", employee_name=text, currency=text or "EUR"),
        ]
    numbers = [("-0", "0", "-0.00"), ("007", "0.0001", "5"), ("-2.5", None, "-12.30"), ("3.125", "12", "0")]
    rows += [
        plain_row(0, f"N{index}", quantity=quantity, unit_price=price, amount=amount)
        for index, (quantity, price, amount) in enumerate(numbers)
    ]
    moments = ["2025-03-01 10:00:00.123400+03:00", "0999-01-01 00:00:00+00:00", "2025-10-26 01:30:00-04:00"]
    rows += [plain_row(0, f"M{index}", purchased_at=moment) for index, moment in enumerate(moments)]
    rows += [plain_row(0, "L", location_id=None, rank=2), plain_row(0, "L", rank=1), plain_row(0, "L", rank=0)]
    return rows


def both_paths_rows() -> list[tuple]:
    """The rows the shortcut and the validator make from varied records, each its own order."""
    rows = []
    for options in OPTIONS:
        for record in varied(options.date_format):
            pair = Pair(options)
            for row in [pair.fast(0, record), pair.slow(0, record)]:
                if row is not None and row[0] != "refused":
                    rows.append((0, f"V{len(rows)}", *row[2:]))
    return rows


def staged_and_recorded(rows: list[tuple]) -> list[tuple[str, str]]:
    """(the staged digest text, PostgreSQL's record text of the staged row) for each row, staged as the import does."""

    def clean(record):
        return record

    clean.staging_row = lambda _number, record: record  # each record here is already its staging row
    numbered = [(number, (number, *row[1:])) for number, row in enumerate(rows, 1)]
    staged = staging_rows(numbered, clean, ImportReport(kind="purchases"), texts=record_texts())
    columns = ", ".join(name for name, _type in STAGING_COLUMNS)
    nullable = ", ".join(name for name, kind in STAGING_COLUMNS if not kind.startswith("text"))
    with connection.cursor() as cursor:
        assert session_writes_utc_iso(cursor)
        cursor.execute(f"CREATE TEMP TABLE digest_texts ({', '.join(f'{n} {t}' for n, t in STAGING_COLUMNS)})")
        with cursor.copy(f"COPY digest_texts ({columns}) FROM STDIN (FORMAT csv, FORCE_NULL ({nullable}))") as copy:
            copy.write(_copy_payload(staged))
        cursor.execute(f"SELECT digest_text, ROW({', '.join(DIGEST_COLUMNS)})::text FROM digest_texts ORDER BY line")
        found = cursor.fetchall()
        cursor.execute("DROP TABLE digest_texts")
    return found


def test_the_staged_digest_text_of_a_line_is_postgresqls_record_text():
    found = staged_and_recorded(odd_rows() + both_paths_rows())
    made = [(staged, recorded) for staged, recorded in found if staged]
    assert len(made) > 100  # nearly every line has its text made beside the writer
    assert [staged for staged, _recorded in made] == [recorded for _staged, recorded in made]


def test_a_line_whose_values_are_not_the_validators_plain_ones_is_left_to_postgresql():
    texts = record_texts()
    assert texts(plain_row(1, "A"), 1) == '(1,C1,P1,2.000,3.5000,7.00,RUB,"2025-03-01 07:00:00+00",5,"",0)'
    assert texts(plain_row(1, "A", quantity="1e3"), 1) == ""  # not written plainly
    assert texts(plain_row(1, "A", amount="1.005"), 1) == ""  # more decimals than its column keeps
    assert texts(plain_row(1, "A", purchased_at="2025-03-01 10:00:00"), 1) == ""  # no time zone
    assert texts(plain_row(1, "A", customer_external_id=None), 1) == ""
