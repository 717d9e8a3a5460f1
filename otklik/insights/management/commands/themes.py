"""`otklik themes try FILE.csv --column text [--themes K] [--out labels.csv]`: preview discovery on a file."""

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.insights import engine
from otklik.insights.services import DEFAULT_K, MAX_K, MIN_K, texts_discover

EXAMPLES = 3
EXAMPLE_LENGTH = 160
OTHER = "other"


def read_texts(path: Path, column: str) -> list[str]:
    """The `column` of a UTF-8 CSV with a header row, one text per data row (empty ones kept)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            # The delimiter is read off the header row only: answers themselves hold commas and semicolons.
            header = handle.readline()
            handle.seek(0)
            delimiter = max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            if column not in (reader.fieldnames or []):
                raise CommandError(
                    _("No column “%(column)s” in %(file)s; its columns: %(columns)s.")
                    % {"column": column, "file": path, "columns": ", ".join(reader.fieldnames or [])}
                )
            return [(row.get(column) or "").strip() for row in reader]
    except FileNotFoundError as error:
        raise CommandError(_("No file %(path)s.") % {"path": path}) from error
    except UnicodeDecodeError as error:
        raise CommandError(_("%(file)s is not UTF-8 text.") % {"file": path}) from error


def theme_label(theme: engine.ThemeSpec) -> str:
    return theme.name or OTHER


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
        texts = read_texts(file, column)
        with_text = [i for i, text in enumerate(texts) if text]
        if not with_text:
            raise CommandError(_("The column “%(column)s” has no text.") % {"column": column})
        found, assigned = texts_discover([texts[i] for i in with_text], k=themes)
        row_theme = [-1] * len(texts)
        for i, theme in zip(with_text, assigned, strict=True):
            row_theme[i] = theme
        names = [theme_label(theme) for theme in found]
        self._write_labels(out, [names[t] if t >= 0 else OTHER for t in row_theme])
        report = self.stderr if out is None else self.stdout
        self._describe(report, texts, row_theme, found)

    def _write_labels(self, out: Path | None, labels: list[str]) -> None:
        handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            writer = csv.writer(handle)
            writer.writerow(["row", "theme"])
            writer.writerows([number, label] for number, label in enumerate(labels, start=1))
        finally:
            if out:
                handle.close()

    def _describe(self, report, texts: list[str], row_theme: list[int], found: list[engine.ThemeSpec]) -> None:
        total = len(texts)
        for index, theme in enumerate(found):
            rows = [i for i, t in enumerate(row_theme) if t == index]
            mixed = _(" — mixed, not one factor") if theme.is_mixed else ""
            report.write(f"\n{theme_label(theme)} ({len(rows)} of {total}){mixed}")
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
