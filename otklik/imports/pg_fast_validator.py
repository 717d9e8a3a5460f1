"""The PostgreSQL fast path's validator process: it reads, checks and encodes the chunks while the writer stores.

A chunk's good rows become staging rows (in STAGING_COLUMNS' order, pg_fast_sql) and then COPY
data, the orders sent again unchanged are left out (imports.raw_orders), and each chunk goes to
the writer (pg_fast) through a pipe. Apart because it runs in another process and never touches
the database: nothing here may use the connection it inherits.
"""

import csv
import gc
import io
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection

from django.utils import translation

from otklik.customers import services as customers
from otklik.imports.cleaning import DateTally
from otklik.imports.raw_orders import RawOrders
from otklik.imports.services import ImportReport, validate_chunk

_FORK = multiprocessing.get_context("fork")


def _staging_row(line: int, clean: dict) -> tuple:
    inline = clean["customer"] or {}
    return (
        line,
        clean["external_id"],
        clean["customer_external_id"] if clean["customer"] else "",
        clean["product_external_id"],
        clean["quantity"],
        clean["unit_price"],
        clean["amount"],
        clean["currency"],
        clean["purchased_at"],
        clean["location_id"],
        clean["employee_name"],
        customers.MARK_RANK[clean["mark"]],
        inline.get("name", ""),
        inline.get("email", ""),
        inline.get("phone", ""),
        inline.get("language", ""),
        clean["product"]["name"],
    )


def _copy_payload(rows: list[Sequence]) -> bytes:
    """A chunk's staging rows in COPY's CSV format, made in the validator process so the writer only sends it.

    The csv module writes in C, about three times faster than escaping each field for COPY's
    text format in Python. Every non-numeric value is quoted, so an empty text stays empty
    and a missing value (None, written as a quoted empty field) becomes NULL through the
    COPY's FORCE_NULL, which lists the columns where an empty text cannot occur.
    """
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def staging_rows(
    chunk: list[tuple[int, dict]],
    clean: Callable[[dict], dict],
    report: ImportReport,
    *,
    fill_only: set[int] = frozenset(),
    raw: dict[str, str] | None = None,
) -> list[Sequence]:
    """The chunk's good rows as staging rows, each bad one in the report (as validate_chunk does).

    A plain line goes straight to its row (the cleaner's `staging_row`, imports.fast_rows);
    any other through the validator, one at a time and in the file's order, so the
    reasons and counts are the validator's own. The lines numbered in `fill_only` (the first
    of an order left out as unchanged, imports.raw_orders) only go through the cleaner's
    order-fields filler, in their place, and are neither counted nor staged. `raw` gives an
    order's raw digest, staged with its first line, as are the first non-empty customer, place and
    seller of its lines (STAGING_COLUMNS' `head_*`; an order's first row is a list, filled in as
    later lines give them).
    """
    fast = getattr(clean, "staging_row", None)
    if fill_only:
        chunk = _filled_only(chunk, fill_only, clean.fill) if fast is None else chunk
    if fast is None:
        rows = [_staging_row(line, values) for line, values in validate_chunk(chunk, clean, report)]
    else:
        rows = _checked_rows(chunk, fast, clean, report, fill_only)
    # Each line's place among its order's lines in the chunk (the file's order), for `pos`; and on its first
    # line the first non-empty customer, place and seller of its lines (the rows are in the file's order),
    # filled in as later lines give them.
    seen: dict[str, int] = {}
    firsts: dict[str, list] = {}
    placed = []
    raw = raw or {}
    for row in rows:
        order = row[1]
        place = seen[order] = seen.get(order, 0) + 1
        if place == 1:
            first = firsts[order] = [*row, 1, raw.get(order, ""), row[2] or "", row[9], row[10] or ""]
            placed.append(first)
            continue
        first = firsts[order]
        if not first[-3] and row[2]:
            first[-3] = row[2]
        if first[-2] is None and row[9] is not None:
            first[-2] = row[9]
        if not first[-1] and row[10]:
            first[-1] = row[10]
        placed.append((*row, place, "", "", None, ""))
    return placed


def _filled_only(chunk: list[tuple[int, dict]], fill_only: set[int], fill: Callable[[dict], dict]) -> list:
    kept = []
    for number, record in chunk:
        if number in fill_only:
            fill(record)
        else:
            kept.append((number, record))
    return kept


def _checked_rows(
    chunk: list[tuple[int, dict]],
    fast: Callable,
    clean: Callable[[dict], dict],
    report: ImportReport,
    fill_only: set[int] = frozenset(),
):
    rows = []
    fill = getattr(clean, "fill", None)
    for number, record in chunk:
        if number in fill_only:
            fill(record)
            report.rows -= 1  # not a line of this chunk's to count: its order's lines are counted apart
            continue
        row = fast(number, record)
        if row is None:
            good = validate_chunk([(number, record)], clean, report)
            rows.extend(_staging_row(line, values) for line, values in good)
            report.rows -= 1  # counted once, below
        else:
            rows.append(row)
    report.rows += len(chunk)
    return rows


def _validated(
    chunk: list[tuple[int, dict]], clean: Callable[[dict], dict], raw_orders: RawOrders | None
) -> tuple[ImportReport, tuple[bytes, bytes, int]]:
    """One chunk checked: its own report, and as COPY data its good rows and the orders left out as unchanged.

    None of either once a row is bad; the third item is how many orders were left out.
    """
    report = ImportReport(kind="purchases")
    if raw_orders is None:
        rows, left_out = staging_rows(chunk, clean, report), []
    else:
        todo, fill_only, left_out, digests = raw_orders.split(chunk)
        rows = staging_rows(todo, clean, report, fill_only=fill_only, raw=digests)
        report.rows += len(chunk) - len(todo) + len(fill_only)  # the lines of the orders left out
    # Plain strings: a lazy translation would be translated again, in the other process's language.
    report.errors = [(row, [str(reason) for reason in reasons]) for row, reasons in report.errors]
    if not report.ok:
        return report, (b"", b"", 0)
    return report, (_copy_payload(rows) if rows else b"", _copy_payload(left_out) if left_out else b"", len(left_out))


def _produce(
    sender: Connection,
    chunks: Iterator,
    clean: Callable[[dict], dict],
    language: str | None,
    raw_orders: RawOrders | None = None,
    dates: DateTally | None = None,
) -> None:
    """The validator process: read, check and encode chunk after chunk, and send each to the writer.

    A send blocks until the writer takes the chunk before, so at most one waits and memory
    stays flat. The end is (None, `dates`: the date column as the reading counted it, or None);
    a failure ("error", exception) for the writer to raise.
    """
    # A chunk is tens of thousands of small dicts that live until it is sent. With the cyclic
    # garbage collector on, they were traversed again at every collection while they aged,
    # half of this process's time. Nothing here makes reference cycles (reference counting
    # frees each chunk), so the collector runs once a chunk, over what is left of that chunk
    # alone: freeze() sets aside the objects the process was forked with.
    gc.disable()
    gc.freeze()
    try:
        with translation.override(language):
            for chunk in chunks:
                sender.send(_validated(chunk, clean, raw_orders))
                del chunk
                gc.collect()
        sender.send((None, dates))
    except BrokenPipeError:  # the writer is gone (it failed, and says why itself)
        pass
    except BaseException as exc:  # noqa: BLE001 (anything the reading raises is the writer's to report)
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: its text at least
            sender.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        sender.close()


@contextmanager
def _validator(
    chunks: Iterator, clean: Callable[[dict], dict], raw_orders: RawOrders | None = None, dates: DateTally | None = None
) -> Iterator[Callable[[], tuple | None]]:
    """Read and validate the file in a child process; yields a function that gives the next chunk or None.

    A process, not a thread: with one thread checking rows in Python, the thread that talks
    to PostgreSQL waited for the interpreter lock after each reply (up to its 5 ms switch
    interval), and Python's work did not overlap the database's. The child is forked, so it
    has the validator (with its organization's time zone and locations) and the translations
    as they are here; it never touches the database connection it inherits. `dates`, the tally
    the chunks' reading counts the date column into (in the child's copy), gets the child's
    counts at the end.
    """
    receiver, sender = _FORK.Pipe(duplex=False)
    child = _FORK.Process(
        target=_produce,
        args=(sender, chunks, clean, translation.get_language(), raw_orders, dates),
        name="otklik-import-validator",
    )
    child.start()
    sender.close()  # the child's end: only it writes, so the reader sees the end if it dies

    def next_chunk() -> tuple | None:
        try:
            report, payload = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the validator process stopped (exit code {child.exitcode})") from None
        if report == "error":
            raise payload
        if report is None:
            if dates is not None and payload is not None:
                dates.merge(payload)
            return None
        return report, payload

    try:
        yield next_chunk
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():  # the writer failed early: the child would read the rest of the file for nothing
            child.kill()
            child.join()
