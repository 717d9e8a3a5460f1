"""`otklik themes try FILE.csv --column text`: a preview of discovery on any CSV of texts."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from otklik.demo.datasets import datasets_dir
from otklik.insights.management.commands.themes import read_texts


@pytest.fixture(autouse=True)
def in_english():
    """The messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def answers_csv(tmp_path):
    """A CSV of real answers (Russian restaurant sentences and English airline tweets) plus an empty row."""
    root = datasets_dir()
    if not (root / "semeval2016-restaurants-ru").is_dir() or not (root / "airline-tweets-en").is_dir():
        pytest.skip("the datasets are not on this machine")
    with (root / "semeval2016-restaurants-ru" / "sentences.csv").open(encoding="utf-8", newline="") as handle:
        russian = [row["text"] for row, _ in zip(csv.DictReader(handle), range(40), strict=False)]
    with (root / "airline-tweets-en" / "tweets.csv").open(encoding="utf-8", newline="") as handle:
        english = [row["text"] for row, _ in zip(csv.DictReader(handle), range(40), strict=False)]
    texts = [*russian, "", *english]
    path = tmp_path / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([n, text] for n, text in enumerate(texts, start=1))
    return path, texts


def test_every_row_gets_a_theme_or_other(answers_csv, tmp_path):
    path, texts = answers_csv
    out = tmp_path / "labels.csv"
    report = io.StringIO()
    call_command("themes", "try", str(path), column="text", themes=4, out=out, stdout=report)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["row"]) for row in rows] == list(range(1, len(texts) + 1))
    assert all(row["theme"] for row in rows)
    assert rows[texts.index("")]["theme"] == "other"
    named = {row["theme"] for row in rows} - {"other"}
    assert 2 <= len(named) <= 4
    # Each theme is printed with its key words and examples taken from the file.
    printed = report.getvalue()
    for name in named:
        assert name in printed
    assert "key words:" in printed
    assert any(text[:40] in printed for text in texts if text)


def test_the_labels_file_opens_in_excel_with_its_cyrillic_intact(answers_csv, tmp_path, capsys):
    """Excel on Windows takes a CSV for UTF-8 only by its byte-order mark; else the labels read as mojibake."""
    path, _texts = answers_csv
    out = tmp_path / "labels.csv"
    call_command("themes", "try", str(path), column="text", themes=4, out=out, stdout=io.StringIO())
    call_command("themes", "try", str(path), column="text", themes=4, stderr=io.StringIO())
    printed = capsys.readouterr().out  # standard output gets no mark: it may be piped on
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfrow,theme\r\n")
    assert data[3:].decode("utf-8") == printed  # otherwise the same text
    assert any(not label.isascii() for label in data.decode("utf-8-sig").split()[1:])


def test_the_same_file_gives_the_same_labels(answers_csv, tmp_path):
    path, _texts = answers_csv
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command("themes", "try", str(path), column="text", themes=4, out=first, stdout=io.StringIO())
    call_command("themes", "try", str(path), column="text", themes=4, out=second, stdout=io.StringIO())
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")


def test_a_missing_column_is_named_with_the_columns_there(answers_csv):
    path, _texts = answers_csv
    with pytest.raises(CommandError, match="No column “comment”.*“id”, “text”"):
        call_command("themes", "try", str(path), column="comment", stdout=io.StringIO())


def test_a_bad_number_of_themes_is_refused(answers_csv):
    path, _texts = answers_csv
    with pytest.raises(CommandError, match="between 2 and 30"):
        call_command("themes", "try", str(path), column="text", themes=99, stdout=io.StringIO())


def test_a_semicolon_file_with_answers_holding_commas_is_read(answers_csv, tmp_path):
    _path, texts = answers_csv
    path = tmp_path / "semicolons.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["text"])
        writer.writerows([text] for text in texts)
    out = tmp_path / "labels.csv"
    call_command("themes", "try", str(path), column="text", themes=3, out=out, stdout=io.StringIO())
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(texts) + 1


def _labels(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _russian(texts: list[str]) -> list[str]:
    return [text for text in texts if text and not text.isascii()]


def test_blank_rows_of_a_one_column_file_keep_their_row_numbers(answers_csv, tmp_path):
    """Excel writes an empty cell of a one-column sheet as an empty line; skipping it shifted every later label."""
    _path, texts = answers_csv
    path = tmp_path / "one-column.csv"
    cells = [text if i % 5 else "" for i, text in enumerate(_russian(texts)[:30])]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        for cell in cells:
            if cell:
                writer.writerow([cell])
            else:
                handle.write("\n")
    assert read_texts(path, "text")[0] == [cell.strip() for cell in cells]
    out = tmp_path / "labels.csv"
    call_command("themes", "try", str(path), column="text", themes=2, out=out, stdout=io.StringIO())
    rows = _labels(out)
    assert len(rows) == len(cells)
    assert all(row["theme"] == "other" for row, cell in zip(rows, cells, strict=True) if not cell)


def test_a_one_column_file_keeps_the_commas_and_semicolons_of_unquoted_answers(answers_csv, tmp_path):
    """Excel in a semicolon locale quotes an answer only when it holds a semicolon: its commas are not delimiters."""
    _path, texts = answers_csv
    cells = [text for text in _russian(texts) if "," in text and '"' not in text and "\n" not in text][:10]
    path = tmp_path / "one-column.csv"
    path.write_text("text\r\n" + "".join(f"{cell}\r\n" for cell in cells), encoding="utf-8")
    assert read_texts(path, "text")[0] == cells


def test_windows_1251_and_excels_unicode_text_are_read(answers_csv, tmp_path):
    """Excel on a Russian Windows saves CSV in Windows-1251; its "Unicode text" is UTF-16, tab-separated."""
    _path, texts = answers_csv
    cells = [text for text in _russian(texts) if text == text.encode("cp1251", "ignore").decode("cp1251")][:20]
    semicolons, tabs = io.StringIO(), io.StringIO()
    for buffer, delimiter, header in ((semicolons, ";", ["№", "Текст"]), (tabs, "\t", ["id", "text"])):
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([header, *([n, cell] for n, cell in enumerate(cells, 1))])
    windows = tmp_path / "windows.csv"
    windows.write_bytes(semicolons.getvalue().encode("cp1251"))
    assert read_texts(windows, "текст") == ([cell.strip() for cell in cells], "windows-1251")
    unicode_text = tmp_path / "unicode.txt"
    unicode_text.write_bytes(tabs.getvalue().encode("utf-16"))
    assert read_texts(unicode_text, "text") == ([cell.strip() for cell in cells], "utf-16")
    out = tmp_path / "labels.csv"
    error = io.StringIO()
    call_command("themes", "try", str(windows), column="Текст", themes=2, out=out, stdout=io.StringIO(), stderr=error)
    assert len(_labels(out)) == len(cells)
    assert "windows-1251" in error.getvalue()


def test_a_column_named_in_another_case_or_with_spaces_is_found(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("ID, Comment \n1,cell one\n", encoding="utf-8")
    assert read_texts(path, "comment") == (["cell one"], "utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "workbook, not a CSV file"),
        ("text\nAlle Menschen sind frei und gleich an Würde\n".encode("latin-1"), "not text in UTF-8, UTF-16"),
        (b"", "no header row"),
        (b'id,text\n1,"a quote never closed\n' + b"x" * (1 << 20) + b"\n", "not a well-formed CSV"),
    ],
    ids=["xlsx", "latin-1", "empty", "unclosed-quote"],
)
def test_files_that_cannot_be_read_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "answers.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("themes", "try", str(path), column="text", stdout=io.StringIO())


@pytest.mark.parametrize(
    "content",
    [
        # Runs to the end of the file.
        'id,text\r\n1,fine\r\n2,"a quote never closed\r\n3,next answer\r\n4,"quoted, and closed"\r\n5,last\r\n',
        # "Closed" by the next quoted answer's opening quote, in the middle of its field.
        'id,text\r\n1,fine\r\n2,"a quote never closed\r\n3,next answer\r\n4,"quoted, and closed"\r\n',
    ],
    ids=["to-the-end", "closed-by-a-later-quote"],
)
def test_an_unclosed_quote_in_a_small_file_is_refused_naming_its_row(tmp_path, content):
    """Under the 1 MB field limit too: the rows after the quote would have been merged into row 2's answer."""
    path, out = tmp_path / "answers.csv", tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=r"quote opened in row 2 \(line 3\) is not closed"):
        call_command("themes", "try", str(path), column="text", out=out, stdout=io.StringIO())
    assert not out.exists()


def test_answers_quoted_over_several_lines_are_still_one_row_each(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text('id,text\r\n1,"two\r\nlines"\r\n2,"with ""quotes""\nand, a comma"\r\n3,plain\r\n')
    assert read_texts(path, "text") == (["two\r\nlines", 'with "quotes"\nand, a comma', "plain"], "utf-8")


def test_a_large_file_is_discovered_on_a_bounded_sample_and_every_row_is_tagged(answers_csv, tmp_path, monkeypatch):
    """As the product reads at most DISCOVERY_LIMIT answers: 100 000 rows took 2.6 GB and 5 minutes in full."""
    from otklik.insights import engine, services

    path, texts = answers_csv
    monkeypatch.setattr(services, "DISCOVERY_LIMIT", 30)
    seen = []
    discover = engine.discover_clusters
    monkeypatch.setattr(
        engine, "discover_clusters", lambda sample, **kw: seen.append(len(sample)) or discover(sample, **kw)
    )
    out = tmp_path / "labels.csv"
    call_command("themes", "try", str(path), column="text", themes=3, out=out, stdout=io.StringIO())
    assert seen == [30]
    rows = _labels(out)
    assert len(rows) == len(texts)
    assert sum(row["theme"] != "other" for row in rows) > 30


def test_fewer_answers_than_themes_is_said(answers_csv, tmp_path):
    _path, texts = answers_csv
    path = tmp_path / "few.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["text"], *([text] for text in _russian(texts)[:3])])
    report = io.StringIO()
    call_command("themes", "try", str(path), column="text", themes=8, out=tmp_path / "labels.csv", stdout=report)
    assert "of the 8 asked" in report.getvalue()
    assert len(_labels(tmp_path / "labels.csv")) == 3


def test_an_output_that_cannot_be_written_is_a_clear_message(answers_csv, tmp_path):
    path, _texts = answers_csv
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("themes", "try", str(path), column="text", themes=3, out=tmp_path / "no" / "labels.csv")


def test_themes_with_the_same_name_are_told_apart():
    from otklik.insights.management.commands.themes import unique_names

    assert unique_names(["…", "delay", "…", "other", "…"]) == ["…", "delay", "… (2)", "other (2)", "… (3)"]


def test_empty_lines_after_the_last_row_are_not_rows(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("text\r\ncell one\r\n\r\ncell three\r\n\r\n\r\n", encoding="utf-8")
    assert read_texts(path, "text") == (["cell one", "", "cell three"], "utf-8")


def test_a_long_run_of_letters_is_read_in_linear_time():
    """The e-mail pattern matched from every position of a run of letters, backtracking to its end: an unclosed
    quote that swallowed 200 000 characters hung discovery. It now starts only where a word does, bounded as
    addresses are (a local part of at most 64 characters), so a longer run is no address at all."""
    from otklik.insights import text

    assert "x" * 100 in text.words("x" * 100 + "@mail.example.com")
    assert text.words("write to jo.smith@mail.example.com") == ["write", "to"]
