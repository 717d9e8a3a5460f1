"""Values as real exports write them, made plain before the customer base's validators see them.

A shop's export is not an API payload: it writes "NA" or "-" where there is no value,
"1 234,50" with a non-breaking space, dates as 12/1/2010 8:26 or as Excel's serial
numbers, "руб" for a currency and "Отменён" for a status. This module turns those
into what customers.services validates: empty text, "1234.50", a datetime, "RUB",
"cancelled". It never guesses per row: a date column's format is decided once, from
all its values (date_format_of), and a value the chosen format cannot read is a bad
row, named in the report.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.customers.services import RowError, order_fields_filler, status_word

# Written where a value is missing; never an identifier. Compared lower-cased and stripped.
NULL_TOKENS = frozenset({"", "na", "n/a", "null", "none", "nan", "-", "—", "#n/a", "нет", "немає"})
NULL_LONGEST = max(len(token) for token in NULL_TOKENS)
# The spellings met most, matched as they are (one hash lookup); the rest by their first character.
NULL_SPELLINGS = frozenset(
    {token for word in NULL_TOKENS for token in (word, word.upper(), word.capitalize())} | {"NaN", "#N/A", "N/a"}
)
NULL_STARTS = frozenset(
    {token[:1] for token in NULL_TOKENS if token} | {token[:1].upper() for token in NULL_TOKENS if token}
) | {" ", "\t", "\u00a0"}


def blank_if_null(value):
    """ "" for a null token ("NA", "#N/A", "нет"…), the value itself otherwise."""
    if type(value) is str and len(value) <= NULL_LONGEST + 2 and value.strip().lower() in NULL_TOKENS:
        return ""
    return value


# Dates


DATE_FORMATS = {
    "iso": gettext_lazy("year-month-day (2010-12-01)"),
    "dmy": gettext_lazy("day.month.year (01.12.2010, 01/12/2010)"),
    "mdy": gettext_lazy("month/day/year, as in the USA (12/1/2010)"),
    "excel": gettext_lazy("Excel serial numbers (40513.35)"),
}
ISO_PREFIX = re.compile(r"\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:$|[\sT])")
DAY_MONTH = re.compile(r"\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:$|[\sT,])")
DAY_MONTH_FULL = re.compile(
    r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?(?:[Mm]\.?)?)?"
)
ISO_FULL = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}:\d{2}.*))?")
ISO_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
EXCEL = re.compile(r"\d{5}(?:[.,]\d+)?")
EXCEL_EPOCH = datetime(1899, 12, 30)


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
    return frozenset()


_UNSEEN = object()
BOTH_ORDERS = frozenset({"dmy", "mdy"})


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
    # Tallied by the value's date part ("12/1/2010" of "12/1/2010 8:26"): a column of a million
    # date-times has a few thousand days, each classified once.
    tally: dict[frozenset | None, int] = {}
    examples, cache = [], {}
    for value in values:
        if type(value) is str:
            key = value.strip().partition(" ")[0].partition("T")[0]
            formats = cache.get(key, _UNSEEN)
            if formats is _UNSEEN:
                if len(cache) > 100_000:
                    cache.clear()
                formats = cache[key] = _date_formats_of(key)
        else:
            formats = _date_formats_of(value)
        tally[formats] = tally.get(formats, 0) + 1
        if formats == BOTH_ORDERS and len(examples) < 3:
            examples.append(value.strip())
    tally.pop(None, None)
    total = sum(tally.values())
    counts = {name: sum(n for formats, n in tally.items() if name in formats) for name in DATE_FORMATS}
    if not total:
        return ""
    full = [name for name, count in counts.items() if count == total]
    if set(full) == {"dmy", "mdy"}:
        raise AmbiguousDates(examples)
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
    (from an XLSX cell) is taken whatever the format; so is ISO text with its zone.
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12))
    text = str(value).strip()
    try:
        if date_format == "iso":
            match = ISO_FULL.fullmatch(text)
            if not match:
                return None
            year, month, day, rest = match.groups()
            if not rest:
                return datetime(int(year), int(month), int(day), 12)
            rest = "0" + rest if rest[1] == ":" else rest  # "8:26" → "08:26"
            return datetime.fromisoformat(f"{year}-{int(month):02d}-{int(day):02d}T{rest}")
        if date_format in ("dmy", "mdy"):
            match = DAY_MONTH_FULL.fullmatch(text)
            if not match:
                return None
            first, _separator, second, year, hour, minute, second_of_minute, half = match.groups()
            day, month = (first, second) if date_format == "dmy" else (second, first)
            if hour is None:
                return datetime(_year(year), int(month), int(day), 12)
            hour_number = int(hour)
            if half:
                if not 1 <= hour_number <= 12:
                    return None
                hour_number = hour_number % 12 + (12 if half in "Pp" else 0)
            return datetime(_year(year), int(month), int(day), hour_number, int(minute), int(second_of_minute or 0))
        if date_format == "excel":
            if not EXCEL.fullmatch(text):
                return None
            moment = EXCEL_EPOCH + timedelta(days=float(text.replace(",", ".")))
            return moment.replace(microsecond=0)
    except ValueError:
        return None
    return None


# Numbers

# Spaces of every kind and the apostrophe (Swiss, 1C on some machines) group thousands.
GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
NUMBER = re.compile(r"[-+]?\d[\d.,]*")
GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*|\d+")  # thousands, grouped one way throughout


def plain_number(value) -> str | None:
    """ "1 234,50", "1.234,50" and "1,234.50" → "1234.50"; "(12.5)" → "-12.5"; None for no number.

    With both separators the last one is the decimal point. A lone comma is a decimal
    comma ("10,5"), unless it groups thousands more than once ("1,234,567").
    """
    if value is None or value == "":
        return ""
    if type(value) is str and PLAIN_NUMBER.fullmatch(value):
        return value  # the common case, first
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = GROUPING.sub("", str(value)).strip()
    if PLAIN_NUMBER.fullmatch(text):
        return text
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").rstrip("₽$€£₴").removesuffix("руб").removesuffix("грн").rstrip(".")
    if not NUMBER.fullmatch(text):
        return None
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("+-")
    if "," in text and "." in text:
        decimal = max(text.rfind(","), text.rfind("."))
        whole, fraction = text[:decimal], text[decimal + 1 :]
        if not GROUPED.fullmatch(whole) or not fraction.isdigit():
            return None
        text = re.sub(r"[.,]", "", whole) + "." + fraction
    elif text.count(",") > 1 or text.count(".") > 1:
        if not GROUPED.fullmatch(text):
            return None
        text = re.sub(r"[.,]", "", text)
    else:
        text = text.replace(",", ".")
    text = sign + text
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return str(-number if negative else number)


# Currencies and statuses

CURRENCY_WORDS = {
    "руб": "RUB",
    "руб.": "RUB",
    "рубль": "RUB",
    "рублей": "RUB",
    "р.": "RUB",
    "₽": "RUB",
    "rur": "RUB",
    "грн": "UAH",
    "грн.": "UAH",
    "гривня": "UAH",
    "₴": "UAH",
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₸": "KZT",
    "тенге": "KZT",
}

CANCELLED, RETURNED = "cancelled", "returned"
CANCELLED_INVOICE = re.compile(r"C\d+")


def order_status(raw) -> str:
    """ "cancelled", "returned" or "" (anything else: new, paid, shipped, completed, partly refunded…), from the
    words shops use, in any form (customers.services.status_word)."""
    return status_word(str(raw or ""))


# One record


class SkipRow(Exception):
    """A row left out on purpose (no customer, and the user chose to skip such rows)."""


WITHOUT_CUSTOMER = {
    "anonymous": gettext_lazy("import them as orders without a customer (they count for products and locations)"),
    "skip": gettext_lazy("skip them (counted in the report)"),
}


@dataclass(frozen=True)
class ReadOptions:
    """What the mapping step decides beyond the columns."""

    currency: str = ""  # for rows and files that name none: the organization's
    date_format: str = ""  # a key of DATE_FORMATS; "" until decided
    without_customer: str = "anonymous"  # a key of WITHOUT_CUSTOMER


def purchase_preparer(options: ReadOptions, *, fill: Callable[[dict], dict] | None = None) -> Callable[[dict], dict]:
    """A function record → record with plain values, or RowError / SkipRow; for the purchases validator.

    `fill` is the order_fields_filler to use, for a caller that fills records itself too (fast_rows).
    """
    date_format, skip, default_currency = options.date_format, options.without_customer == "skip", options.currency
    # A later line of an order that leaves its customer, date or currency empty takes its first line's
    # (Shopify writes them on an order's first row only): before the skip, so it is not taken as anonymous.
    fill = fill or order_fields_filler()

    def prepare(record: dict) -> dict:
        reasons: list[str] = []
        fill(record)
        customer = str(record.get("customer_external_id") or "").strip()
        if not customer:
            if skip:
                raise SkipRow
            record["customer_external_id"] = ""
        elif "@" in customer and "customer_email" not in record:
            record["customer_email"] = customer  # Shopify knows its customers by e-mail alone
        raw_date = record.get("purchased_at")
        if raw_date not in (None, "") and type(raw_date) is not datetime:
            if not (date_format == "iso" and type(raw_date) is str and ISO_SECONDS.fullmatch(raw_date)):
                moment = parse_date(raw_date, date_format) if date_format else None
                if moment is None and date_format:
                    reasons.append(
                        _("date “%(value)s” is not written as %(format)s")
                        % {"value": raw_date, "format": DATE_FORMATS[date_format]}
                    )
                elif moment is not None:
                    record["purchased_at"] = moment
        numbers = {}
        for key in ("amount", "quantity", "unit_price"):
            if key in record:
                number = plain_number(record[key])
                if number is None:
                    reasons.append(_("%(field)s “%(value)s” is not a number") % {"field": key, "value": record[key]})
                else:
                    record[key] = numbers[key] = number
        if not numbers.get("amount") and numbers.get("quantity") and numbers.get("unit_price"):
            record["amount"] = str(
                (Decimal(numbers["quantity"]) * Decimal(numbers["unit_price"])).quantize(Decimal("0.01"))
            )
        raw_currency = str(record.get("currency") or "").strip()
        record["currency"] = (
            CURRENCY_WORDS.get(raw_currency.lower(), raw_currency.upper()) if raw_currency else default_currency
        )
        status = order_status(record["status"]) if "status" in record else ""
        order = record.get("external_id")
        if not status and type(order) is str and order[:1] == "C" and CANCELLED_INVOICE.fullmatch(order.strip()):
            status = CANCELLED  # the Online Retail convention: a cancelling invoice's number starts with C
        if "status" in record or status:
            record["status"] = status
        if reasons:
            raise RowError(reasons)
        return record

    return prepare
