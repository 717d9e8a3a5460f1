"""`otklik themes try FILE.csv --column text`: a preview of discovery on any CSV of texts."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from otklik.demo.datasets import datasets_dir


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
    with out.open(encoding="utf-8", newline="") as handle:
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


def test_the_same_file_gives_the_same_labels(answers_csv, tmp_path):
    path, _texts = answers_csv
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command("themes", "try", str(path), column="text", themes=4, out=first, stdout=io.StringIO())
    call_command("themes", "try", str(path), column="text", themes=4, out=second, stdout=io.StringIO())
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")


def test_a_missing_column_is_named_with_the_columns_there(answers_csv):
    path, _texts = answers_csv
    with pytest.raises(CommandError, match="No column “comment”.*id, text"):
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
