"""`otklik import purchases FILE --org SLUG`: the nightly exchange file from 1C, or any CSV/XLSX/XLS/ODS."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.imports.cleaning import DATE_FORMATS, NEW_LOCATIONS, WITHOUT_CUSTOMER
from otklik.imports.jobs import remembered_date_format
from otklik.imports.mapping import KINDS, MappingError, field_names, header_currency, parse_mapping
from otklik.imports.readers import GUESS_ROWS, FileError, detect_format, read_start, sheets_kept
from otklik.imports.services import DatesAmbiguous, import_file, read_options, wrong_kind_message

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import customers, products or purchases from a CSV (UTF-8, UTF-16, Windows-1251 or -1252; ; , or tab), "
        "XLSX, XLS, ODS or 1C CommerceML file. "
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
        parser.add_argument(
            "--encoding", help="The CSV encoding, if the guess is wrong or refused (utf-8, utf-16, cp1251, cp1252)."
        )
        parser.add_argument(
            "--date-format",
            choices=list(DATE_FORMATS),
            help="How the purchases' dates are written (iso, dmy, mdy, excel, named, unix). By default it is "
            "decided from the whole column; a column that reads both as day/month and month/day takes the "
            "organization's last answer, or this option.",
        )
        parser.add_argument(
            "--without-customer",
            choices=list(WITHOUT_CUSTOMER),
            default="anonymous",
            help="Purchases rows without a customer: import them as orders without one (anonymous, the default) "
            "or skip them (skip); either way they are counted.",
        )
        parser.add_argument(
            "--new-locations",
            choices=list(NEW_LOCATIONS),
            default="add",
            help="Purchases naming a location the organization has not set up: add it as a new location (add, "
            "the default; a file refused for other rows adds none) or refuse those rows (refuse).",
        )

    def handle(self, *args, **options) -> None:
        with sheets_kept():  # an .xls or .ods sheet is loaded once for the header and the import
            self._import(*args, **options)

    def _import(self, *args, kind: str, file: Path, org: str, mapping: str, dry_run: bool, **options) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(_("No organization with the slug “%(slug)s”.") % {"slug": org})
        delimiter = options.get("delimiter")
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        try:
            fmt = detect_format(file, delimiter=delimiter, encoding=options.get("encoding"))
            if kind not in fmt.kinds:
                raise FileError(wrong_kind_message(fmt))
            header, samples = read_start(file, fmt, n=GUESS_ROWS)
            columns = parse_mapping(kind, header, mapping, samples)
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
                organization=organization,
                kind=kind,
                path=file,
                fmt=fmt,
                mapping=columns,
                dry_run=dry_run,
                options=read_options(
                    organization,
                    date_format=options.get("date_format") or "",
                    without_customer=options["without_customer"],
                    new_locations=options["new_locations"],
                ),
                remembered_date_format=remembered_date_format(organization),
            )
        except DatesAmbiguous as exc:
            raise CommandError(f"{exc} " + _("Say which with --date-format dmy or --date-format mdy.")) from exc
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
        if kind == "purchases":
            named = header_currency(header, columns)
            self._purchases_notes(
                report, currency_column="currency" in columns, currency=organization.currency, named=named
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

        for name, counts in report.kinds.items():
            if name != kind:
                self.stdout.write(
                    _("%(kind)s: %(created)s created.") % {"kind": KINDS[name], "created": counts.get("created", 0)}
                )
        if report.written and not report.changed:
            self.stdout.write(_("Nothing changed: everything in this file was stored already."))

    def _purchases_notes(self, report, *, currency_column: bool, currency: str, named: tuple[str, str]) -> None:
        """What was read how: the dates' format, the currency's source, the rows without a customer."""
        if report.date_format:
            self.stdout.write(_("Dates read as %(format)s.") % {"format": DATE_FORMATS[report.date_format]})
        if not currency_column and named[0]:
            self.stdout.write(
                _("No currency column: every amount is in %(code)s, as the column “%(column)s” says.")
                % {"code": named[0], "column": named[1]}
            )
        elif not currency_column:
            self.stdout.write(
                _("No currency column: every amount is in %(code)s, the organization's currency.") % {"code": currency}
            )
        if report.skipped:
            self.stdout.write(_("%(n)s rows without a customer skipped.") % {"n": report.skipped})
        if report.anonymous:
            self.stdout.write(
                _("%(n)s rows without a customer imported as orders without one.") % {"n": report.anonymous}
            )
        if report.new_locations:
            names = ", ".join(report.new_locations)
            if report.written:
                self.stdout.write(_("Locations added: %(names)s.") % {"names": names})
            else:
                self.stdout.write(_("Locations to be added: %(names)s.") % {"names": names})
