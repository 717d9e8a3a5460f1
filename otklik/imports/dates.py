"""Dates as shops' exports write them: the formats a date column may be in, the whole column's decision, and
reading one value in the decided format.

The format is never guessed per row: a column's values are counted by the formats that read
them (DateTally) and one format is decided from all of them (decision 0068); a value the
chosen format cannot read is a bad row. Apart from cleaning (which re-exports these names)
because the formats grew: ISO, day.month.year, month/day/year, Excel serials, dates with the
month's name and Unix time.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone

from django.utils.translation import gettext_lazy

DATE_FORMATS = {
    "iso": gettext_lazy("year-month-day (2010-12-01)"),
    "dmy": gettext_lazy("day.month.year (01.12.2010, 01/12/2010)"),
    "mdy": gettext_lazy("month/day/year, as in the USA (12/1/2010)"),
    "excel": gettext_lazy("Excel serial numbers (40513.35)"),
    "named": gettext_lazy("day and month's name (7 Dec 2026, Dec 7, 2026, 7 дек. 2026, 7 грудня 2026)"),
    "unix": gettext_lazy("Unix time, seconds or milliseconds since 1970 (1796630400)"),
}
ISO_PREFIX = re.compile(r"\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|[\sT])")
DAY_MONTH = re.compile(r"\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:$|[\sT,])")
DAY_MONTH_FULL = re.compile(
    r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?(?:[Mm]\.?)?)?"
    r"(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"  # a zone after the time: "01.12.2026 10:00 +03:00" (Checkbox, APIs)
)
ISO_FULL = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}:\d{2}.*))?")
ISO_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
EXCEL = re.compile(r"\d{5}(?:[.,]\d+)?")
EXCEL_EPOCH = datetime(1899, 12, 30)
# Unix time as shops' APIs and CRMs write it: seconds (10 digits, 2001–2033) or milliseconds (13 digits).
UNIX = re.compile(r"1\d{9}(?:\.\d+)?|1\d{12}")
# Months by name, as banks, Etsy, Amazon and Russian/Ukrainian reports write them: the first three letters
# of the name in any case and form ("дек.", "декабря", "грудня", "Dec", "December").
MONTHS = {
    **{name: number for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)},
    **{name: number for number, name in enumerate("янв фев мар апр май июн июл авг сен окт ноя дек".split(), 1)},
    **{name: number for number, name in enumerate("січ лют бер кві тра чер лип сер вер жов лис гру".split(), 1)},
    "мая": 5,
}
_TIME = r"(?:[\s,T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?(?:[Mm]\.?)?)?"
# "7 дек. 2026", "07-Dec-2026", "7 грудня 2026 р., 14:22" (day first); "Dec 7, 2026 2:15 PM" (month first).
NAMED_DAY_FIRST = re.compile(
    r"(\d{1,2})[\s\-.]*([^\W\d_]{3,10})\.?[\s\-,.]*(\d{4}|\d{2})(?:\s*(?:г|р)\.?)?" + _TIME + r"\s*"
)
NAMED_MONTH_FIRST = re.compile(
    r"(?:[^\W\d_]{3,9}\.?,?\s+)??([^\W\d_]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME + r"\s*"
)


def _named_date(text: str) -> tuple[int, int, int, tuple] | None:
    """(year, month, day, (hour, minute, second, half)) of a date with its month's name, or None."""
    match = NAMED_DAY_FIRST.fullmatch(text)
    if match:
        day, name, year, *clock = match.groups()
    else:
        match = NAMED_MONTH_FIRST.fullmatch(text)
        if not match:
            return None
        name, day, year, *clock = match.groups()
    month = MONTHS.get(name[:3].lower())
    if month is None:
        return None
    return _year(year), month, int(day), tuple(clock)


def _date_formats_of(value) -> frozenset[str] | None:
    """The formats that can read the value; None for a value every format takes (empty, or a real date)."""
    if isinstance(value, datetime | date) or value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if ISO_PREFIX.match(text):
        return frozenset({"iso"})
    match = DAY_MONTH.match(text)
    if match:
        first, separator, second = int(match.group(1)), match.group(2), int(match.group(3))
        formats = set()
        if 1 <= first <= 31 and 1 <= second <= 12:
            formats.add("dmy")
        # Nobody writes month.day.year with dots: that is 1C's and Europe's day.month.year.
        if separator != "." and 1 <= first <= 12 and 1 <= second <= 31:
            formats.add("mdy")
        return frozenset(formats)
    if EXCEL.fullmatch(text) and 20000 <= float(text.replace(",", ".")) < 80000:
        return frozenset({"excel"})
    if text[0] == "1" and UNIX.fullmatch(text):
        return UNIX_ONLY
    if _named_date(text):
        return NAMED_ONLY
    return frozenset()


_UNSEEN = object()
BOTH_ORDERS = frozenset({"dmy", "mdy"})
EXCEL_ONLY = frozenset({"excel"})
UNIX_ONLY, NAMED_ONLY = frozenset({"unix"}), frozenset({"named"})


class AmbiguousDates(ValueError):
    """Every date of the column reads both as day/month and month/day: the user has to say which."""

    def __init__(self, examples: list[str]):
        super().__init__(", ".join(examples))
        self.examples = examples


def date_format_of(values: Iterable) -> str:
    """The one format that reads the column (of raw values), decided from all of them.

    Raises AmbiguousDates when day/month and month/day both read every value. When no
    format reads them all, the one that reads most is chosen: the rest are bad rows,
    each named by the check. "" when the column holds no date text at all.
    """
    tally = DateTally()
    add = tally.add
    for value in values:
        add(value)
    return tally.decided()


class DateTally:
    """A date column's raw values counted by the formats that read them, value by value, then decided.

    Two steps, so that a column can be counted where it is read anyway (the import's validator
    process, decision 0068) and decided later from the same counts as date_format_of decides
    from a pass of its own: both go through here and cannot drift. Tallies of consecutive parts
    of a column merge (`merge`) into the whole column's.
    """

    __slots__ = ("counts", "examples", "_cache", "_previous", "_previous_formats")

    def __init__(self) -> None:
        self.counts: dict[frozenset | None, int] = {}
        self.examples: list[str] = []  # the first three values that read both ways, in the column's order
        # By the value's date part ("12/1/2010" of "12/1/2010 8:26"): a column of a million
        # date-times has a few thousand days, each classified once.
        self._cache: dict[str, frozenset | None] = {}
        # An order's lines repeat its date one after another: the value before is compared first.
        self._previous: str | None = None
        self._previous_formats: frozenset | None = None

    def add(self, value) -> None:
        """Count one raw value of the column."""
        if type(value) is str:
            if value == self._previous:
                formats = self._previous_formats
            else:
                key = value.strip().partition(" ")[0].partition("T")[0]
                if len(key) < 5 or not key[0].isdigit():
                    key = value.strip()  # "7 дек. 2026", "Dec 7, 2026": the day part is the whole text
                cache = self._cache
                formats = cache.get(key, _UNSEEN)
                if formats is _UNSEEN:
                    if len(cache) > 100_000:
                        cache.clear()
                    formats = cache[key] = _date_formats_of(key)
                self._previous, self._previous_formats = value, formats
        else:
            formats = _date_formats_of(value)
        counts = self.counts
        counts[formats] = counts.get(formats, 0) + 1
        if formats == BOTH_ORDERS and len(self.examples) < 3:
            self.examples.append(value.strip())

    def merge(self, later: "DateTally") -> None:
        """Add the counts of the column's values that come after those counted here."""
        for formats, count in later.counts.items():
            self.counts[formats] = self.counts.get(formats, 0) + count
        self.examples = (self.examples + later.examples)[:3]

    def __getstate__(self) -> tuple:  # sent between processes without the cache
        return self.counts, self.examples

    def __setstate__(self, state: tuple) -> None:
        self.counts, self.examples = state
        self._cache, self._previous, self._previous_formats = {}, None, None

    def decided(self) -> str:
        """The format of the values counted so far, as date_format_of says (AmbiguousDates included)."""
        tally = dict(self.counts)
        tally.pop(None, None)
        if any(formats and formats != EXCEL_ONLY for formats in tally):
            # Excel's serial numbers among text dates (cells typed as numbers beside cells typed as text) are read
            # as serials whatever the text's format (parse_date): the text alone decides it.
            tally.pop(EXCEL_ONLY, None)
        total = sum(tally.values())
        counts = {name: sum(n for formats, n in tally.items() if name in formats) for name in DATE_FORMATS}
        if not total:
            return ""
        full = [name for name, count in counts.items() if count == total]
        if set(full) == {"dmy", "mdy"}:
            raise AmbiguousDates(list(self.examples))
        if full:
            return full[0]
        return max(counts, key=lambda name: counts[name]) if max(counts.values()) else ""


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def parse_date(value, date_format: str):
    """The value as a datetime (naive: the organization's time zone applies later) or None when unreadable.

    Dates without a time are noon, as customers.parse_moment makes them. A real date
    (from an XLSX cell) is taken whatever the format; so is ISO text with its zone, and an
    Excel serial number (a date cell Excel typed as a number among text dates).
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12))
    text = str(value).strip()
    if date_format != "excel" and EXCEL.fullmatch(text) and 20000 <= float(text.replace(",", ".")) < 80000:
        date_format = "excel"  # a serial number among text dates: a cell Excel typed as a number
    try:
        if date_format == "iso":
            match = ISO_FULL.fullmatch(text)
            if not match:
                return None
            year, month, day, rest = match.groups()
            if not rest:
                return datetime(int(year), int(month), int(day), 12)
            rest = "0" + rest if rest[1] == ":" else rest  # "8:26" → "08:26"
            rest = re.sub(r"\s*(?:UTC|GMT)$", "+00:00", rest)  # "2026-12-01 10:00:00 UTC" (Stripe)
            return datetime.fromisoformat(f"{year}-{int(month):02d}-{int(day):02d}T{rest.replace(' ', '')}")
        if date_format in ("dmy", "mdy"):
            match = DAY_MONTH_FULL.fullmatch(text)
            if not match:
                return None
            first, _separator, second, year, hour, minute, second_of_minute, half, zone = match.groups()
            day, month = (first, second) if date_format == "dmy" else (second, first)
            moment = _moment(_year(year), int(month), int(day), (hour, minute, second_of_minute, half))
            return _zoned(moment, zone) if moment and zone else moment
        if date_format == "named":
            named = _named_date(text)
            return _moment(*named) if named else None
        if date_format == "unix":
            if not UNIX.fullmatch(text):
                return None
            seconds = float(text) / (1000 if len(text) == 13 else 1)
            return datetime.fromtimestamp(seconds, UTC).replace(microsecond=0)  # UTC: not the organization's zone
        if date_format == "excel":
            if not EXCEL.fullmatch(text):
                return None
            moment = EXCEL_EPOCH + timedelta(days=float(text.replace(",", ".")))
            return moment.replace(microsecond=0)
    except ValueError:
        return None
    return None


CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:([AaPp])\.?[Mm]\.?)?")


def with_time(value, clock):
    """A date written without a time, with the time from a column of its own ("2026-12-01" and "09:15:02" →
    "2026-12-01 09:15:02"); anything else as it is (a date that has a time, an empty or odd time).

    Text is joined as text, so the date column's format still reads it (decision 0068); a spreadsheet's
    date cell (midnight) takes the time's hours and minutes.
    """
    text = str(clock if clock is not None else "").strip()
    match = CLOCK.fullmatch(text)
    if not match:
        return value
    if type(value) is str:
        day = value.strip()
        # Not after an Excel serial or a Unix time ("45357", "1796630400"): a number is a moment of its own.
        joins = day and ":" not in day and not day.replace(".", "").replace(",", "").isdigit()
        return f"{day} {text}" if joins else value
    if type(value) is date or (isinstance(value, datetime) and value.time() == time(0)):
        hour, minute, second, half = match.groups()
        moment = _moment(value.year, value.month, value.day, (hour, minute, second, half))
        return moment or value
    return value


def _moment(year: int, month: int, day: int, clock: tuple) -> datetime | None:
    """A naive datetime from a date and (hour, minute, second, half of the day) texts; noon without a time."""
    hour, minute, second, half = clock
    if hour is None:
        return datetime(year, month, day, 12)
    hour_number = int(hour)
    if half:
        if not 1 <= hour_number <= 12:
            return None
        hour_number = hour_number % 12 + (12 if half in "Pp" else 0)
    return datetime(year, month, day, hour_number, int(minute), int(second or 0))


def _zoned(moment: datetime, zone: str) -> datetime:
    """The moment in the zone written after it ("Z", "UTC", "+03:00", "+0300"), not the organization's."""
    if zone in ("Z", "UTC", "GMT"):
        return moment.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return moment.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
