"""`otklik import purchases FILE --org SLUG`: the nightly exchange file from 1C, or any CSV/XLSX."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.imports.mapping import KINDS, MappingError, field_names, parse_mapping
from otklik.imports.readers import FileError, detect_format, read_header
from otklik.imports.services import import_file

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import customers, products or purchases from a CSV (UTF-8 or Windows-1251; ; , or tab) or XLSX file. "
        "Every row is checked first; a file with any bad row is refused whole (exit code 1, each bad row "
        "listed with its row number). Importing the same file again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--mapping",
            default="",
            help="column=field,… over the guess from the header (a column by name or 1-based number; "
            "column= leaves it out).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only check the file; write nothing.")
        parser.add_argument("--delimiter", help="The CSV delimiter, if the guess is wrong (\\t for a tab).")
        parser.add_argument("--encoding", help="The CSV encoding, if the guess is wrong (utf-8, cp1251).")

    def handle(self, *args, kind: str, file: Path, org: str, mapping: str, dry_run: bool, **options) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(_("No organization with the slug “%(slug)s”.") % {"slug": org})
        delimiter = options.get("delimiter")
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        try:
            fmt = detect_format(file, delimiter=delimiter, encoding=options.get("encoding"))
            header = read_header(file, fmt)
            columns = parse_mapping(kind, header, mapping)
        except FileNotFoundError as exc:
            raise CommandError(_("No file %(path)s.") % {"path": file}) from exc
        except (FileError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("%(file)s: %(format)s") % {"file": file, "format": fmt.describe()})
        self.stdout.write(
            _("Columns: %(columns)s")
            % {
                "columns": ", ".join(
                    f"{header[index]} → {name}" for name, index in sorted(columns.items(), key=lambda item: item[1])
                )
            }
        )
        unused = [name for index, name in enumerate(header) if index not in columns.values()]
        if unused:
            self.stdout.write(_("Columns left out: %(columns)s") % {"columns": ", ".join(unused)})
        try:
            report = import_file(
                organization=organization, kind=kind, path=file, fmt=fmt, mapping=columns, dry_run=dry_run
            )
        except FileError as exc:
            raise CommandError(
                f"{exc} " + _("The fields are: %(fields)s") % {"fields": ", ".join(field_names(kind))}
            ) from exc
        if not report.ok:
            for row, reasons in report.errors[:SHOWN_ERRORS]:
                self.stderr.write(_("Row %(row)s: %(reasons)s") % {"row": row, "reasons": "; ".join(reasons)})
            if report.errors_total > SHOWN_ERRORS:
                self.stderr.write(_("…and %(n)s more bad rows.") % {"n": report.errors_total - SHOWN_ERRORS})
            raise CommandError(
                _("%(bad)s of %(rows)s rows are bad; nothing was imported.")
                % {"bad": report.errors_total, "rows": report.rows}
            )
        if options["verbosity"] >= 2:
            for phase, seconds in report.timings.items():
                self.stdout.write(f"  {phase}: {seconds:.1f} s")
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(rows)s rows checked, none bad; nothing written (dry run).") % {"rows": report.rows}
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("%(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }
            )
        )
