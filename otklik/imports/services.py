"""Importing customers, products, purchases and complaints from a file: check every row, then write all or nothing.

The file is streamed in chunks of CHUNK_ROWS rows, so memory stays flat whatever
its size. A first pass validates every row with the customer base's own validators
and reports each bad one by its row number; only a file without a bad row is
written, in one transaction. Purchases on PostgreSQL take a fast path (pg_fast.py:
COPY into a staging table, then set-based upserts); everywhere else, and for
customers and products, the chunks go through customers.services' batch upserts
(complaints: complaints.complaints_upsert, which opens cases). Both paths store the
same thing; importing the same file twice changes nothing.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Organization
from otklik.customers import services as customers
from otklik.imports import places
from otklik.imports.cleaning import (
    DATE_FORMATS,
    NULL_LONGEST,
    NULL_SPELLINGS,
    NULL_STARTS,
    NULL_TOKENS,
    TOTALS_STARTS,
    AmbiguousDates,
    DateTally,
    ReadOptions,
    SkipRow,
    customer_preparer,
    purchase_preparer,
    totals_row,
)
from otklik.imports.mapping import header_currency, mapping_problems
from otklik.imports.readers import FileError, FileFormat, cell_value, read_header, read_rows, sheets_kept
from otklik.intake.purchases import purchases_receive

# Big enough that per-statement costs vanish on PostgreSQL (5 000 was 15 % slower), small enough for flat memory.
CHUNK_ROWS = 25000
NUMBERS_KEPT = 20_000  # a spreadsheet's distinct numbers kept as text while it is read (file_records)
ERRORS_KEPT = 1000  # reasons kept for display; the count covers them all
# The PostgreSQL path's first chunk: the writer waits for it alone, so it is small, and each next one twice the
# last up to CHUNK_ROWS (the reading keeps ahead of a writer that stores half as many rows a second).
FIRST_CHUNK_ROWS = 3000

Progress = Callable[[str, int], None]  # (phase, rows done in that phase)


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: str
    rows: int = 0
    errors_total: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows without a customer, left out as the user chose
    anonymous: int = 0  # rows without a customer, imported as orders without one
    # What changed per kind: {"customers": {"created": n}, "products": {…}, "purchases": {created, updated, unchanged}}
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    date_format: str = ""  # the format the dates were read in (decided from the whole column, or chosen)
    new_locations: list[str] = field(default_factory=list)  # locations added (or, checked, to be added)
    written: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark

    @property
    def ok(self) -> bool:
        return self.errors_total == 0

    @property
    def changed(self) -> bool:
        """Whether the import changed anything at all (a second import of the same file does not)."""
        return any(count for counts in self.kinds.values() for name, count in counts.items() if name != "unchanged")

    def add_error(self, row: int, reasons: list[str]) -> None:
        self.errors_total += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append((row, reasons))


def _no_progress(phase: str, done: int) -> None:
    pass


def file_records(
    path: Path, fmt: FileFormat, mapping: dict[str, int], *, typed: str = "", dates: DateTally | None = None
) -> Iterator[tuple[int, dict]]:
    """(row number, {field: raw value}) for every data row; unmapped fields are absent, not empty.

    Null tokens ("NA", "N/A", "null", "-", "#N/A", "нет"…) are empty values here, before any
    validator: never an identifier, a name or a number. With `typed` (a field), a row whose
    value there is text raises TextDateSeen: the import read that column as typed dates only.
    With `dates`, every row's purchase date is counted there as it is read (totals rows too, as
    decide_date_format counts them): the whole column's format, decided after the rows.
    """
    rows = read_rows(path, fmt, raw=True)
    # Inlined, not blank_if_null per value: this loop runs once per cell of a million-row file.
    common, tokens, starts, longest = NULL_SPELLINGS, NULL_TOKENS, NULL_STARTS, NULL_LONGEST + 2
    numbers: dict[float | int, str] | None = {}  # never a bool (True == 1): those are not kept here
    try:
        next(rows, None)  # the header
        items = list(mapping.items())
        for number, values in rows:
            width = len(values)
            record = {}
            for name, index in items:
                value = values[index] if index < width else ""
                kind = type(value)
                if kind is str:  # first: every cell of a CSV
                    if value in common or (
                        value[:1] in starts and len(value) <= longest and value.strip().lower() in tokens
                    ):
                        value = ""
                elif kind is float or kind is int:
                    # A spreadsheet's number, as text once per value: str() of a float costs more than a
                    # look-up, and a price repeats on every line of its product. Numbers that rarely
                    # repeat fill NUMBERS_KEPT first; then the look-ups stop, as they would cost more.
                    text = numbers.get(value) if numbers is not None else None
                    if text is None:
                        text = cell_value(value)
                        if numbers is not None:
                            numbers[value] = text
                            if len(numbers) >= NUMBERS_KEPT:
                                numbers = None
                    value = text
                else:
                    value = cell_value(value)  # a date, a bool…; only the cells used are converted
                record[name] = value
            if typed and type(record[typed]) is str and record[typed]:
                raise TextDateSeen(number)
            if dates is not None:
                dates.add(record["purchased_at"])
            order = record.get("external_id", "-")
            if (not order or (type(order) is str and order[:1] in TOTALS_STARTS)) and totals_row(order, values):
                continue  # a report's "Итого" / "Total" row: a sum of the rows above, not an order
            yield number, record
    finally:
        rows.close()


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to `size` items, lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ramped(items: Iterable, size: int, *, first: int) -> Iterator[list]:
    """Lists of `first` items, then twice as many each time up to `size`, lazily (chunked when first >= size)."""
    iterator, step = iter(items), min(first, size)
    while chunk := list(islice(iterator, step)):
        yield chunk
        step = min(2 * step, size)


def whole_orders(chunks: Iterable[list], *, limit: int) -> Iterator[list]:
    """The chunks of a purchases file cut between orders: the lines of the order a chunk ends in go to the next.

    A file lists an order's lines one after another, so this keeps each order in one
    chunk, where it is stored (and counted) once; a chunk never grows past `limit` for
    it (an order longer than that, or scattered over the file, is continued across
    chunks by the writers instead).
    """
    carry: list = []
    for chunk in chunks:
        if carry and len(carry) + len(chunk) > limit:
            yield carry
            carry = []
        chunk = carry + chunk
        last = _order_key(chunk[-1][1])
        cut = len(chunk)
        while cut and _order_key(chunk[cut - 1][1]) == last:
            cut -= 1
        if cut:
            carry = chunk[cut:]
            yield chunk[:cut]
        elif len(chunk) < limit:  # one order so far: it may go on in the next chunk
            carry = chunk
        else:
            carry = []
            yield chunk
    if carry:
        yield carry


def _order_key(record: dict) -> str:
    return str(record.get("external_id") or "").strip()


def _product_clean(record: dict) -> dict:
    clean = customers.product_clean(record)
    if not customers._text(record, "name", 200):
        raise customers.RowError([_("name is required")])
    return clean


def row_cleaner(kind: str, organization: Organization, options: ReadOptions | None = None) -> Callable[[dict], dict]:
    """The validator for one record of `kind`: clean values, or RowError with the reasons (SkipRow: left out)."""
    if kind == "customers":
        return lambda record: customers.customer_clean(customer_preparer(record))
    if kind == "products":
        return _product_clean
    if kind == "complaints":
        from otklik.imports.complaints import ComplaintCleaner  # complaints.py reads files with this module

        # Only owners and managers import, and they may use every location of the organization.
        return ComplaintCleaner(organization=organization, locations=Location.objects.filter(organization=organization))
    from otklik.imports import raw_orders
    from otklik.imports.fast_clean import purchase_cleaner
    from otklik.imports.fast_rows import staging_encoder

    options = options or read_options(organization)
    fill = customers.order_fields_filler()
    prepare = purchase_preparer(options, fill=fill)
    places, zone, currency = customers.location_ids(organization), organization.zone, organization.currency or "RUB"
    for number, name in enumerate(options.provisional_locations, start=1):
        places.setdefault(name.lower(), -number)  # a check's stand-in id: nothing is written with it
    validate = purchase_cleaner(tz=zone, locations=places, currency=currency)

    def clean(record: dict) -> dict:
        return validate(prepare(record))

    # The PostgreSQL path's shortcut for plain lines (straight to the COPY row); it shares the preparer's filler.
    clean.staging_row = staging_encoder(options=options, fill=fill, tz=zone, locations=places, currency=currency)
    clean.fill = fill
    # Everything but a line itself that decides what it becomes, for the raw digest (imports.raw_orders).
    clean.raw_settings = repr((raw_orders.CODE, options, str(zone), currency, sorted(places.items())))
    return clean


def read_options(organization: Organization, **given) -> ReadOptions:
    """The mapping step's choices, with the organization's currency for rows that name none."""
    return ReadOptions(currency=organization.currency or "RUB", **given)


class DatesAmbiguous(FileError):
    """The date column reads both as day/month and month/day: the mapping step has to ask."""

    def __init__(self, examples: list[str]):
        super().__init__(
            _(
                "The dates (%(examples)s) can be read both as day/month/year and as month/day/year; "
                "choose how this file writes them."
            )
            % {"examples": ", ".join(examples)}
        )
        self.examples = examples


class TextDateSeen(Exception):  # noqa: N818 (a signal, not an error: the import starts over)
    """A date written as text in a spreadsheet column that began with typed dates (raised by file_records)."""


# Spreadsheets type their cells: a date there is a date, whatever the format text dates are read in.
TYPED_KINDS = ("xlsx", "xls", "ods")
TYPED_PEEK_ROWS = 100


def dates_typed(path: Path, fmt: FileFormat, mapping: dict[str, int]) -> bool:
    """Whether the date column starts with typed dates only (its first TYPED_PEEK_ROWS rows, one at least).

    Such a column needs no format, so an import reads it once, optimistically; a text date
    further down (TextDateSeen) sends it back to deciding the format from the whole column.
    """
    if fmt.kind not in TYPED_KINDS or "purchased_at" not in mapping:
        return False
    column = {"purchased_at": mapping["purchased_at"]}
    values = [record["purchased_at"] for _n, record in islice(file_records(path, fmt, column), TYPED_PEEK_ROWS)]
    return any(values) and not any(type(value) is str and value for value in values)


def decide_date_format(path: Path, fmt: FileFormat, mapping: dict[str, int], *, remembered: str = "") -> str:
    """The date column's format, from all its values; `remembered` (the organization's last answer) settles
    a column that reads both as day/month and month/day. Raises DatesAmbiguous when nothing settles it."""
    if "purchased_at" not in mapping:
        return ""
    tally = DateTally()
    for _row in file_records(path, fmt, {"purchased_at": mapping["purchased_at"]}, dates=tally):
        pass
    return _settled(tally, remembered)


def _settled(tally: DateTally, remembered: str) -> str:
    """The tallied column's format, or the remembered answer where it reads both ways (else DatesAmbiguous)."""
    try:
        return tally.decided()
    except AmbiguousDates as exc:
        if remembered in ("dmy", "mdy"):
            return remembered
        raise DatesAmbiguous(exc.examples) from None


# The first rows a purchases file's date format is taken from, provisionally, while the rest is read by the import.
DATE_PEEK_ROWS = 20_000


def first_date_format(
    path: Path, fmt: FileFormat, mapping: dict[str, int], *, remembered: str = "", rows: int | None = None
) -> tuple[str, bool]:
    """The date column's format from its first `rows` values (DATE_PEEK_ROWS), and whether it is the whole column's.

    A file no longer than that is decided whole, as decide_date_format decides it. Otherwise the
    format is provisional: the import reads with it and counts the whole column as it goes, and
    DateCheck confirms it before anything is kept (decision 0068). First rows that read both ways
    take the organization's remembered answer provisionally; without one, or when they hold no
    date text, the whole column is decided first (decide_date_format), as before.
    """
    if "purchased_at" not in mapping:
        return "", True
    rows = DATE_PEEK_ROWS if rows is None else rows
    tally, seen = DateTally(), 0
    records = file_records(path, fmt, {"purchased_at": mapping["purchased_at"]}, dates=tally)
    try:
        for _row in islice(records, rows + 1):
            seen += 1
    finally:
        records.close()
    if seen <= rows:  # the whole column
        return _settled(tally, remembered), True
    try:
        provisional = tally.decided()
    except AmbiguousDates:
        if remembered in ("dmy", "mdy"):
            return remembered, False
        provisional = ""
    if not provisional:
        return decide_date_format(path, fmt, mapping, remembered=remembered), True
    return provisional, False


class DateFormatChanged(Exception):  # noqa: N818 (a signal, not an error: the import starts over)
    """The whole date column reads in another format than the provisional one: nothing was kept, import again."""

    def __init__(self, decided: str):
        super().__init__(decided)
        self.decided = decided


@dataclass
class DateCheck:
    """An import read with a provisional date format: `tally` counts the whole column as the import reads it."""

    provisional: str
    remembered: str = ""
    tally: DateTally = field(default_factory=DateTally)

    def confirm(self) -> None:
        """Raise DateFormatChanged (or DatesAmbiguous) unless the whole column decides the provisional format.

        Called once every row was read, before anything is committed (and before a file refused for
        bad rows is reported: its reasons must be those of the right format).
        """
        decided = _settled(self.tally, self.remembered)
        if decided != self.provisional:
            raise DateFormatChanged(decided)


UPSERTS = {
    "customers": customers.customers_upsert,
    "products": customers.products_upsert,
    "purchases": purchases_receive,  # stored, then their invitations scheduled
}


def _upsert(kind: str) -> Callable:
    """The writer of a kind: the customer base's batch upserts, or complaints opened as cases."""
    if kind == "complaints":
        from otklik.imports.complaints import complaints_upsert  # complaints.py reads files with this module

        return complaints_upsert
    return UPSERTS[kind]


def validate_chunk(chunk: list[tuple[int, dict]], clean: Callable[[dict], dict], report: ImportReport) -> list:
    """Clean values of a chunk's good rows as (row, values); each bad row goes into the report."""
    good = []
    # A cleaner that remembers earlier rows (complaints: a repeated external_id names its first row) takes the number.
    takes_row = getattr(clean, "takes_row", False)
    for number, record in chunk:
        try:
            values = clean(record, row=number) if takes_row else clean(record)
        except customers.RowError as exc:
            report.add_error(number, exc.reasons)
        except SkipRow:
            report.skipped += 1
        else:
            good.append((number, values))
            if values.get("customer_external_id") == "":
                report.anonymous += 1
    report.rows += len(chunk)
    return good


def use_fast_path(kind: str) -> bool:
    return kind == "purchases" and connection.vendor == "postgresql"


def import_file(
    *,
    organization: Organization,
    kind: str,
    path: Path,
    fmt: FileFormat,
    mapping: dict[str, int],
    dry_run: bool = False,
    progress: Progress = _no_progress,
    chunk_rows: int = CHUNK_ROWS,
    fast: bool | None = None,
    options: ReadOptions | None = None,
    remembered_date_format: str = "",
    by: User | None = None,
    notify: bool = False,
) -> ImportReport:
    """Check a file and, unless `dry_run` or any row is bad, store it whole in one transaction.

    Purchases' dates are read in `options.date_format`; when none is given it is decided
    from the whole date column: taken from the first rows and confirmed by all of them as the
    import reads them (first_date_format, DateCheck; decision 0068), and DatesAmbiguous
    (a FileError) is raised when the column does not settle it. A spreadsheet whose date
    column starts with typed dates skips that read (dates_typed): it is read once, and
    only a text date further down brings the decision back (decision 0027). Raises FileError when
    the file or the mapping cannot be used at all. Complaints are opened as cases `by`
    the importer; `notify` alerts the responsible people and thanks the customers.
    """
    arguments = {"organization": organization, "kind": kind, "path": path, "fmt": fmt, "mapping": mapping}
    arguments |= {"dry_run": dry_run, "progress": progress, "chunk_rows": chunk_rows, "fast": fast, "by": by}
    arguments |= {"remembered_date_format": remembered_date_format, "notify": notify}
    with sheets_kept():  # an XLSX sheet is loaded once for the passes below
        report = _import_file(**arguments, options=options)
        if kind != "purchases" or report.ok or "location" not in mapping:
            return report
        options = options or read_options(organization)
        if options.new_locations != "add":
            return report
        # Some rows may name locations not set up: added, the file is imported again (imports.places).
        column = {"location": mapping["location"]}
        names = places.names_not_set_up(organization, (row["location"] for _n, row in file_records(path, fmt, column)))
        if not names:
            return report
        if dry_run:
            report = _import_file(**arguments, options=replace(options, provisional_locations=tuple(names)))
            report.new_locations = names
            return report
        return places.imported_with_new_locations(
            names, organization=organization, run=lambda: _import_file(**arguments, options=options)
        )


def _import_file(
    *,
    organization,
    kind,
    path,
    fmt,
    mapping,
    dry_run,
    progress,
    chunk_rows,
    fast,
    options,
    remembered_date_format,
    by,
    notify,
) -> ImportReport:
    problems = mapping_problems(kind, mapping)
    if problems:
        raise FileError(" ".join(problems))
    if fmt.kind not in ("csv", "xlsx") and kind not in fmt.kinds:
        raise FileError(wrong_kind_message(fmt))
    passes = {"organization": organization, "kind": kind, "path": path, "fmt": fmt, "mapping": mapping}
    passes |= {"dry_run": dry_run, "progress": progress, "chunk_rows": chunk_rows, "fast": fast, "by": by}
    if kind == "purchases":
        options = options or read_options(organization)
        if "currency" not in mapping:
            named, _column = header_currency(read_header(path, fmt), mapping)  # "Ціна, грн": the file's currency
            options = replace(options, currency=named or options.currency)
        if options.date_format not in DATE_FORMATS:
            # A spreadsheet's typed dates need no format: the file is read once, not once more for the column.
            if dates_typed(path, fmt, mapping):
                try:
                    as_typed = replace(options, date_format="")
                    return _check_and_write(**passes, options=as_typed, typed="purchased_at", notify=notify)
                except TextDateSeen:
                    pass  # a date as text further down (nothing was written): decided from the whole column
            # Taken from the first rows, and confirmed by the whole column as the import reads it: the
            # decision is no longer a pass of its own before the import (decision 0068).
            date_format, settled = first_date_format(path, fmt, mapping, remembered=remembered_date_format)
            options = replace(options, date_format=date_format)
            if not settled:
                check = DateCheck(date_format, remembered_date_format)
                try:
                    return _check_and_write(**passes, options=options, typed="", notify=notify, dates=check)
                except DateFormatChanged as changed:
                    # Nothing was kept: the file once more, in the whole column's format (no third read to decide it).
                    options = replace(options, date_format=changed.decided)
    return _check_and_write(**passes, options=options, typed="", notify=notify)


def _check_and_write(
    *,
    organization,
    kind,
    path,
    fmt,
    mapping,
    dry_run,
    progress,
    chunk_rows,
    fast,
    options,
    typed,
    by,
    notify,
    dates: DateCheck | None = None,
) -> ImportReport:
    """Check the file and, unless dry_run or a row is bad, write it: the passes after the date format is known.

    With `dates`, the date format is provisional: the whole column is counted as the file is read and
    confirmed before anything is written or reported (DateFormatChanged when it is another).
    """
    date_format = options.date_format if kind == "purchases" else ""
    clean = row_cleaner(kind, organization, options)
    before = {} if dry_run else _stored_counts(organization)
    if not dry_run and (use_fast_path(kind) if fast is None else fast):
        from otklik.imports.pg_fast import purchases_import_pg
        from otklik.imports.raw_orders import Reread

        def chunks(tally: DateTally | None = None) -> Iterator[list[tuple[int, dict]]]:
            records = file_records(path, fmt, mapping, typed=typed, dates=tally)
            # Small chunks first: the writer waits for the first one alone.
            return whole_orders(ramped(records, chunk_rows, first=FIRST_CHUNK_ROWS), limit=2 * chunk_rows)

        try:
            report = purchases_import_pg(
                organization=organization,
                chunks=chunks(dates and dates.tally),
                clean=clean,
                progress=progress,
                dates=dates,
            )
        except Reread:
            # An order left out as unchanged was not (nothing was written; the date format was confirmed
            # before this is checked, so it stands): the whole file once more,
            # every order validated, with a fresh validator (the first one's filler has seen the file).
            clean = row_cleaner(kind, organization, options)
            report = purchases_import_pg(
                organization=organization, chunks=chunks(), clean=clean, progress=progress, by_raw_digest=False
            )
        _refuse_empty(report)
        report.date_format = date_format
        _count_kinds(report, organization, before)
        return report
    report = ImportReport(kind=kind, date_format=date_format)
    started = time.perf_counter()
    for chunk in chunked(file_records(path, fmt, mapping, typed=typed, dates=dates and dates.tally), chunk_rows):
        validate_chunk(chunk, clean, report)
        progress("checking", report.rows)
    if dates is not None:
        dates.confirm()
    report.timings["check"] = time.perf_counter() - started
    _refuse_empty(report)
    if dry_run or not report.ok:
        return report
    _write_orm(
        organization=organization,
        kind=kind,
        path=path,
        fmt=fmt,
        mapping=mapping,
        report=report,
        progress=progress,
        chunk_rows=chunk_rows,
        prepare=_write_preparer(kind, options),
        extra={"by": by, "notify": notify} if kind == "complaints" else {},
    )
    _count_kinds(report, organization, before)
    return report


def _write_preparer(kind: str, options: ReadOptions | None) -> Callable[[dict], dict] | None:
    """What the writer runs on each record before cleaning it, as the check did (row_cleaner): a fresh
    purchase_preparer (it keeps per-file state: refunds, the first line of each order), customer_preparer."""
    if kind == "purchases":
        return purchase_preparer(options)
    if kind == "customers":
        return customer_preparer
    return None


def _refuse_empty(report: ImportReport) -> None:
    """A file with nothing under its header (a report's totals alone, a CommerceML document without goods) is
    refused: "0 rows, nothing changed" would read as if it had been stored already."""
    if report.rows == 0:
        raise FileError(
            _(
                "The file has nothing to import: no rows under its header but blank or totals rows, or no goods in "
                "its documents."
            )
        )


def wrong_kind_message(fmt: FileFormat) -> str:
    if fmt.kind == "cml-goods":
        return _("This is a 1C CommerceML catalogue: import it as products.")
    return _("This is a 1C CommerceML orders file: import it as purchases.")


def _stored_counts(organization: Organization) -> dict[str, int]:
    """How many customers and products the organization has: a purchases file creates those it names."""
    return {
        "customers": customers.Customer.objects.filter(organization=organization).count(),
        "products": customers.Product.objects.filter(organization=organization).count(),
    }


def _count_kinds(report: ImportReport, organization: Organization, before: dict[str, int]) -> None:
    """What the import changed, per kind: the file's own kind from the writer, the others it created by count.

    Customers and products named in a purchases file are only ever created (the customer
    file stays the authority for known ones), so the difference in their number is what
    it did to them.
    """
    if not report.written:
        return
    report.kinds[report.kind] = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    if report.kind == "purchases":
        after = _stored_counts(organization)
        for name, count in after.items():
            report.kinds[name] = {"created": max(count - before.get(name, count), 0)}


class _WriteFailed(Exception):
    pass


def _write_orm(*, organization, kind, path, fmt, mapping, report, progress, chunk_rows, prepare=None, extra) -> None:
    """The second pass: each chunk through the customer base's batch upsert, all in one transaction.

    The upserts are the API's and take at most MAX_BATCH records at a time, so a chunk is no bigger.
    Purchases go through `prepare` first, as in the check (dates in the decided format, plain numbers,
    the currency); rows without a customer that the user chose to skip stay out.
    """
    upsert, done, started = _upsert(kind), 0, time.perf_counter()
    # An order's lines may fall in several chunks: each chunk appends to what the earlier ones stored.
    if kind == "purchases":
        extra = {"seen": customers.LinesSeen()}
    size = min(chunk_rows, customers.MAX_BATCH // 2)
    chunks = chunked(file_records(path, fmt, mapping), size)
    with transaction.atomic():
        if prepare is not None:
            # Prepared as in the check; a chunk whose rows were all skipped (no customer, by choice) goes.
            chunks = (kept for kept in (_prepared(chunk, prepare) for chunk in chunks) if kept)
        for chunk in whole_orders(chunks, limit=customers.MAX_BATCH) if kind == "purchases" else chunks:
            result = upsert(organization=organization, records=[record for _number, record in chunk], **extra)
            if result.errors:  # the first pass passed them; the file changed under us
                position, reasons = next(iter(result.errors.items()))
                raise FileError(
                    _("Row %(row)s: %(reasons)s") % {"row": chunk[position - 1][0], "reasons": "; ".join(reasons)}
                )
            report.created += result.created
            report.updated += result.updated
            report.unchanged += result.unchanged
            done += len(chunk)
            progress("writing", done)
    report.written = True
    report.timings["write"] = time.perf_counter() - started


def _prepared(chunk: list[tuple[int, dict]], prepare: Callable[[dict], dict]) -> list[tuple[int, dict]]:
    out = []
    for number, record in chunk:
        try:
            out.append((number, prepare(record)))
        except SkipRow:
            continue
    return out
