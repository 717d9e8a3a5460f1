from datetime import datetime

import pytest

from otklik.imports.mapping import MappingError, guess_mapping, mapping_problems, parse_mapping
from otklik.imports.readers import FileError, detect_format, read_header, read_rows
from otklik.imports.services import chunked
from otklik.imports.tests.helpers import PURCHASE_HEADER, write_csv, write_xlsx


def test_a_1c_file_in_windows_1251_with_semicolons_is_read(tmp_path):
    path = write_csv(
        tmp_path / "a.csv", [["Дата", "Сумма", "Клиент"], ["01.03.2025", "10,5", "Иванов"]], encoding="cp1251"
    )
    fmt = detect_format(path)
    assert (fmt.kind, fmt.encoding, fmt.delimiter) == ("csv", "cp1251", ";")
    assert list(read_rows(path, fmt))[1] == (2, ["01.03.2025", "10,5", "Иванов"])


def test_utf8_with_a_bom_and_commas_is_read_without_the_bom_in_the_header(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["Дата", "Сумма"], ["2025-03-01", "10"]], delimiter=",", encoding="utf-8-sig")
    fmt = detect_format(path)
    assert (fmt.encoding, fmt.delimiter) == ("utf-8-sig", ",")
    assert read_header(path, fmt) == ["Дата", "Сумма"]


def test_rows_keep_their_spreadsheet_numbers_when_blank_rows_are_skipped(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["a", "b"], ["1", "2"], ["", ""], ["3", "4"]])
    assert [number for number, _values in read_rows(path, detect_format(path))] == [1, 2, 4]


def test_an_xlsx_workbook_is_streamed_with_dates_and_whole_numbers_kept(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["Номер", "Дата"], [1001, datetime(2025, 3, 1, 10, 0)]])
    fmt = detect_format(path)
    assert fmt.kind == "xlsx"
    assert list(read_rows(path, fmt)) == [(1, ["Номер", "Дата"]), (2, ["1001", datetime(2025, 3, 1, 10, 0)])]


def test_an_empty_or_binary_file_is_refused(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"  \n")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02garbage")
    for name in ["empty.csv", "bin.csv"]:
        with pytest.raises(FileError):
            detect_format(tmp_path / name)


def test_a_broken_xlsx_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileError):
        read_header(path, detect_format(path))


def test_russian_1c_headers_are_guessed():
    mapping = guess_mapping("purchases", PURCHASE_HEADER)
    assert mapping == {
        "external_id": 0,
        "purchased_at": 1,
        "customer_external_id": 2,
        "customer_name": 3,
        "customer_phone": 4,
        "product_external_id": 5,
        "product_name": 6,
        "amount": 7,
        "location": 8,
    }


def test_a_lone_client_column_is_the_customer_id_and_ukrainian_and_english_names_are_known():
    assert guess_mapping("purchases", ["Дата", "Сума", "Клієнт", "Товар", "ID"]) == {
        "purchased_at": 0,
        "amount": 1,
        "customer_external_id": 2,
        "product_external_id": 3,
        "external_id": 4,
    }
    assert guess_mapping("customers", ["Customer ID", "Full name", "E-mail", "Phone"]) == {
        "external_id": 0,
        "name": 1,
        "email": 2,
        "phone": 3,
    }


def test_the_command_line_mapping_overrides_the_guess_by_name_or_number():
    header = ["Документ", "Дата", "Покупатель", "Артикул", "Сумма", "Комментарий"]
    mapping = parse_mapping("purchases", header, "Документ=,6=external_id")
    assert mapping["external_id"] == 5
    assert 0 not in mapping.values()
    with pytest.raises(MappingError):
        parse_mapping("purchases", header, "Нет такой=amount")
    with pytest.raises(MappingError):
        parse_mapping("purchases", header, "Сумма=price")


def test_a_mapping_without_a_required_field_has_a_problem_named():
    problems = mapping_problems("purchases", {"external_id": 0, "purchased_at": 1, "customer_external_id": 2})
    assert len(problems) == 1 and "product_external_id" in str(problems[0])


def test_chunks_are_lazy_and_cover_everything():
    assert [len(chunk) for chunk in chunked(range(12), 5)] == [5, 5, 2]


def test_e_mail_is_spelled_with_or_without_the_hyphen_in_consent_columns():
    header = ["Код клиента", "Клиент", "E-mail", "Согласие на e-mail", "Consent SMS"]
    assert guess_mapping("customers", header) == {
        "external_id": 0,
        "name": 1,
        "email": 2,
        "consent_email": 3,
        "consent_sms": 4,
    }
