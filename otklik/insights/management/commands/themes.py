"""`otklik themes try FILE.csv --column text [--themes K] [--out labels.csv]`: preview discovery on a file."""

import codecs
import csv
import io
import logging
import re
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.insights import engine
from otklik.insights.services import DEFAULT_K, MAX_K, MIN_K, texts_discover

EXAMPLES = 3
EXAMPLE_LENGTH = 160
OTHER = "other"


# Encodings a spreadsheet saves CSV in besides UTF-8: Excel's "Unicode text" is UTF-16 (with a byte-order mark,
# tab-separated), and Excel on a Russian or Ukrainian Windows saves "CSV" in Windows-1251.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A workbook given instead of a CSV: .xlsx and .ods are ZIP files, .xls an OLE2 compound file.
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
# Windows-1251 turns every byte into some character, so it is trusted only while at most this share of the
# words with a non-ASCII letter mix Latin and Cyrillic (a Latin-1 "Würde" reads "Wьrde"; real answers mix
# scripts in the odd typo only).
MIXED_SCRIPT_SHARE = 0.05
DELIMITERS = ",;\t|"
# An answer may be long, but not a megabyte: past that a quote was never closed and swallowed the file. The
# same limit as the imports' (otklik/imports/readers.py), set here too so the command does not depend on
# whether that module happened to be loaded.
FIELD_LIMIT = 1 << 20
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
# A file of one column has no delimiter: it is read with one that never occurs, so the commas and semicolons
# in unquoted answers stay in them (Excel quotes an answer only when it holds its own list separator).
_NO_DELIMITER = "\x1f"


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read in: a byte-order mark's, UTF-8, or else Windows-1251."""
    if data.startswith(_WORKBOOKS):
        raise CommandError(
            _("%(file)s is a spreadsheet workbook, not a CSV file: save it as “CSV UTF-8” first.") % {"file": path}
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        if b"\x00" not in data:
            text = data.decode("cp1251", errors="replace")
            unusual = [word for word in _WORD.findall(text) if not word.isascii()]
            mixed = sum(1 for word in unusual if _LATIN.search(word) and _CYRILLIC.search(word))
            if "\ufffd" not in text and mixed <= MIXED_SCRIPT_SHARE * len(unusual):
                return text, "windows-1251"
    raise CommandError(
        _("%(file)s is not text in UTF-8, UTF-16 or Windows-1251: save it as “CSV UTF-8”.") % {"file": path}
    )


def _delimiter(header: str) -> str:
    """The delimiter that splits the header row into the most columns (quotes respected); none for one column.

    Only the header is read: answers themselves hold commas and semicolons.
    """
    counts = {delimiter: len(next(csv.reader([header], delimiter=delimiter), [])) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] > 1 else _NO_DELIMITER


def _column_index(header: list[str], column: str, path: Path) -> int:
    """Where `column` is: its exact name, else the one name equal to it in another case or with spaces around."""
    if column in header:
        return header.index(column)
    loose = [i for i, name in enumerate(header) if name.strip().casefold() == column.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise CommandError(
        _("No column “%(column)s” in %(file)s; its columns: %(columns)s.")
        % {"column": column, "file": path, "columns": ", ".join(f"“{name}”" for name in header) or "—"}
    )


def read_texts(path: Path, column: str) -> tuple[list[str], str]:
    """The `column` of a CSV with a header row, one text per data row, and the encoding it was read in.

    Every record after the header is a row, blank ones included (they get "other"), so row numbers match what
    a spreadsheet shows; an answer with line breaks inside quotes is one row.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise CommandError(_("No file %(path)s.") % {"path": path}) from error
    except OSError as error:
        raise CommandError(_("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error.strerror}) from error
    text, encoding = decode(data, path)
    text = text.replace("\x00", "")
    header_line = text.split("\n", 1)[0].rstrip("\r")
    if not header_line.strip():
        raise CommandError(_("%(file)s has no header row: its first line is empty.") % {"file": path})
    lines = io.StringIO(text, newline="").readlines()  # as the reader splits them, to find a record's own text
    delimiter = _delimiter(header_line)
    reader = csv.reader(lines, delimiter=delimiter)
    records = []
    try:
        header = next(reader)
        index = _column_index(header, column, path)
        start = reader.line_num
        for record in reader:
            if reader.line_num - start > 1:
                _check_quotes(lines, start, reader.line_num, delimiter, path, row=len(records) + 1)
            records.append(record)
            start = reader.line_num
    except csv.Error as error:
        raise CommandError(
            _("%(file)s is not a well-formed CSV file (line %(line)s: %(error)s).")
            % {"file": path, "line": reader.line_num, "error": error}
        ) from error
    # Empty lines after the last row are the end of the file, not rows.
    while records and not records[-1]:
        records.pop()
    return [(row[index] if index < len(row) else "").strip() for row in records], encoding


def _check_quotes(lines: list[str], start: int, end: int, delimiter: str, path: Path, *, row: int) -> None:
    """Refuse a record of several lines whose quote is not closed where its field ends.

    Only a quoted field spans lines. Excel closes each one right before a delimiter or the line's end; a
    quote that runs to the end of the file, or that some later quote "closes" in the middle of a field,
    has swallowed the rows after it into one answer (a lenient reader accepts both; a strict one does not).
    """
    try:
        list(csv.reader(lines[start:end], delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise CommandError(
            _(
                "In %(file)s the quote opened in row %(row)s (line %(line)s) is not closed where its answer ends, "
                "so the rows after it would be read as one answer. Close or remove that quote and try again."
            )
            % {"file": path, "row": row, "line": start + 1}
        ) from error


def theme_label(theme: engine.ThemeSpec) -> str:
    return theme.name or OTHER


def unique_names(names: list[str]) -> list[str]:
    """The themes' names, a repeated one numbered ("…", "… (2)"): in the labels file a name is the theme."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, number = name, 1
        while candidate in seen or candidate == OTHER:
            number += 1
            candidate = f"{name} ({number})"
        seen.add(candidate)
        unique.append(candidate)
    return unique


class Command(BaseCommand):
    help = (
        "Preview theme discovery on your own file before importing anything: "
        "otklik themes try FILE.csv --column text [--themes K] [--out labels.csv]. Runs exactly the "
        "discovery the product uses, writes row,theme for every data row (row 1 = the first after the "
        "header; 'other' when no theme fits) and prints each theme with its key words and examples."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["try"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--column", required=True, help="The column with the answer texts.")
        parser.add_argument("--themes", type=int, default=DEFAULT_K, help=f"How many themes ({MIN_K}–{MAX_K}).")
        parser.add_argument("--out", type=Path, help="Where to write row,theme (default: standard output).")

    def handle(self, *args, action: str, file: Path, column: str, themes: int, out: Path | None, **options) -> None:
        if not MIN_K <= themes <= MAX_K:
            raise CommandError(
                _("The number of themes must be between %(low)s and %(high)s.") % {"low": MIN_K, "high": MAX_K}
            )
        texts, encoding = read_texts(file, column)
        if encoding not in ("utf-8", "utf-8-sig"):
            self.stderr.write(_("Read %(file)s as %(encoding)s text.") % {"file": file, "encoding": encoding})
        with_text = [i for i, text in enumerate(texts) if text]
        if not with_text:
            raise CommandError(_("The column “%(column)s” has no text.") % {"column": column})
        # pymorphy3 announces every dictionary it loads at INFO: noise in a report meant for a person.
        logging.getLogger("pymorphy3").setLevel(logging.WARNING)
        found, assigned = texts_discover([texts[i] for i in with_text], k=themes)
        row_theme = [-1] * len(texts)
        for i, theme in zip(with_text, assigned, strict=True):
            row_theme[i] = theme
        names = unique_names([theme_label(theme) for theme in found])
        self._write_labels(out, [names[t] if t >= 0 else OTHER for t in row_theme])
        report = self.stderr if out is None else self.stdout
        if len(found) < themes:
            report.write(
                _("Themes found: %(found)s of the %(asked)s asked; too few answers have words to group.")
                % {"found": len(found), "asked": themes}
            )
        self._describe(report, texts, row_theme, found, names)

    def _write_labels(self, out: Path | None, labels: list[str]) -> None:
        try:
            # With a byte-order mark: Excel on Windows reads a CSV without one in the ANSI code page.
            handle = out.open("w", encoding="utf-8-sig", newline="") if out else sys.stdout
        except OSError as error:
            message = _("Cannot write %(path)s: %(error)s.") % {"path": out, "error": error.strerror}
            raise CommandError(message) from error
        try:
            writer = csv.writer(handle)
            writer.writerow(["row", "theme"])
            writer.writerows([number, label] for number, label in enumerate(labels, start=1))
        finally:
            if out:
                handle.close()

    def _describe(
        self, report, texts: list[str], row_theme: list[int], found: list[engine.ThemeSpec], names: list[str]
    ) -> None:
        total = len(texts)
        for index, theme in enumerate(found):
            rows = [i for i, t in enumerate(row_theme) if t == index]
            mixed = _(" — mixed, not one factor") if theme.is_mixed else ""
            report.write(f"\n{names[index]} ({len(rows)} of {total}){mixed}")
            words = [engine.label_for(term, theme.labels) for term in list(theme.keywords)[:10]]
            report.write(_("  key words: %(words)s") % {"words": ", ".join(words)})
            if theme.outcomes:
                report.write(_("  outcomes: %(words)s") % {"words": ", ".join(theme.outcomes)})
            for i in _examples(rows, texts):
                report.write(f"  {i + 1}: {_short(texts[i])}")
        rest = [i for i, t in enumerate(row_theme) if t < 0]
        if rest:
            report.write(f"\n{OTHER} ({len(rest)} of {total})")
            for i in rest[:EXAMPLES]:
                report.write(f"  {i + 1}: {_short(texts[i]) or '—'}")


def _examples(rows: list[int], texts: list[str]) -> list[int]:
    """Three distinct texts of the theme, spread over it (not just the first rows)."""
    seen, chosen = set(), []
    step = max(1, len(rows) // EXAMPLES)
    for i in rows[::step] + rows:
        if texts[i] not in seen:
            seen.add(texts[i])
            chosen.append(i)
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_LENGTH else text[: EXAMPLE_LENGTH - 1] + "…"
