"""Values as real exports write them, made plain before the customer base's validators see them.

A shop's export is not an API payload: it writes "NA" or "-" where there is no value,
"1 234,50" with a non-breaking space, dates as 12/1/2010 8:26 or as Excel's serial
numbers, "руб" for a currency and "Отменён" for a status. This module turns those
into what customers.services validates: empty text, "1234.50", a datetime, "RUB",
"cancelled". It never guesses per row: a date column's format is decided once, from
all its values (date_format_of, in otklik.imports.dates), and a value the chosen format
cannot read is a bad row, named in the report.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.customers.services import RowError, normalize_phone, order_fields_filler, status_word

# The dates' names are re-exported: the rest of the imports read dates through this module.
from otklik.imports.dates import DATE_FORMATS as DATE_FORMATS
from otklik.imports.dates import EXCEL as EXCEL
from otklik.imports.dates import ISO_SECONDS as ISO_SECONDS
from otklik.imports.dates import AmbiguousDates as AmbiguousDates
from otklik.imports.dates import DateTally as DateTally
from otklik.imports.dates import date_format_of as date_format_of
from otklik.imports.dates import parse_date as parse_date
from otklik.imports.dates import with_time as with_time
from otklik.imports.refunds import RefundsLeft

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


# Totals rows: a report saved as a spreadsheet ends with a sum of the rows above ("Итого", "Total", "Разом").
TOTALS = ("итого", "итог", "всего", "total", "totals", "grand total", "разом", "усього", "всього", "підсумок")
TOTALS_STARTS = frozenset(word[:1] for word in TOTALS) | frozenset(word[:1].upper() for word in TOTALS)


TOTALS_OF = tuple(f"{word} {of} " for word in TOTALS for of in ("по", "for", "of"))  # "Итого по магазину"


def _totals_word(value) -> bool:
    """ "Итого", "Total:", "Итого по магазину"; not a product that starts with the word ("Total Care")."""
    if type(value) is not str or len(value) > 80:
        return False
    text = " ".join(value.lower().split()).rstrip(":.").strip()
    return text in TOTALS or text.startswith(TOTALS_OF)


def totals_row(order, values: list) -> bool:
    """Whether a row is a totals row: its order id is a totals word ("Итого:"), or it has none and a cell is one."""
    if order:
        return _totals_word(order)
    return any(_totals_word(value) for value in values)


# Dates are read in otklik.imports.dates.


# Numbers

# Spaces of every kind and the apostrophe (Swiss, 1C on some machines) group thousands.
GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
NUMBER = re.compile(r"[-+]?\d[\d.,]*")
GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*|\d+")  # thousands, grouped one way throughout


# A currency written beside a number: a sign ("$12", "1 234,50 ₽") or a code ("EUR 12.50", "12,50 грн").
# ISO codes only those met in shops' files: "12 PCS" is no currency.
CURRENCY_CODES = (
    "RUB RUR UAH USD EUR GBP KZT BYN PLN CHF CNY JPY TRY GEL AMD AZN UZS KGS MDL CZK SEK NOK DKK CAD AUD ILS AED INR"
)
CURRENCY_SIGNS = r"₽|\$|€|£|₴|₸|(?i:руб\.?|грн\.?|р\.)|" + "|".join(CURRENCY_CODES.split())
CURRENCY_BEFORE = re.compile(rf"([-+(]*)(?:US)?({CURRENCY_SIGNS})([-+(]*\d.*)")
CURRENCY_AFTER = re.compile(rf"(.*?\d\)?)({CURRENCY_SIGNS})")
# Minus signs other than the hyphen: Unicode's minus (Excel, Numbers), the figure dash and the en dash.
MINUSES = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-"})


def currency_code(sign: str) -> str:
    """ "₽", "руб.", "грн", "$", "eur" → the ISO code; "" for no sign."""
    sign = sign.strip()
    return CURRENCY_WORDS.get(sign.lower(), sign.upper()) if sign else ""


def _currency_apart(text: str) -> tuple[str, str]:
    """(the number's text, the currency sign beside it or "") of a text without spaces."""
    match = CURRENCY_BEFORE.fullmatch(text)
    if match:
        return match.group(1) + match.group(3), match.group(2)
    match = CURRENCY_AFTER.fullmatch(text)
    if match:
        return match.group(1), match.group(2)
    return text, ""


def number_and_currency(value) -> tuple[str | None, str]:
    """plain_number of the value and the currency written beside it, if any ("$1,234.50" → "1234.50", "USD")."""
    if type(value) is not str:
        return plain_number(value), ""
    if PLAIN_NUMBER.fullmatch(value):
        return value, ""  # the common case, first
    text, sign = _currency_apart(GROUPING.sub("", value).translate(MINUSES).strip())
    return plain_number(text), currency_code(sign)


def plain_number(value) -> str | None:
    """ "1 234,50", "1.234,50" and "1,234.50" → "1234.50"; "(12.5)", "−12.5" and "12.5-" → "-12.5"; None for no number.

    With both separators the last one is the decimal point. A lone comma is a decimal
    comma ("10,5"), unless it groups thousands more than once ("1,234,567"). A currency
    beside the number ("$12", "12 €") is left out here: number_and_currency gives it.
    """
    if value is None or value == "":
        return ""
    if type(value) is str and PLAIN_NUMBER.fullmatch(value):
        return value  # the common case, first
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = GROUPING.sub("", str(value)).translate(MINUSES).strip()
    if PLAIN_NUMBER.fullmatch(text):
        return text
    text = _currency_apart(text)[0]
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").rstrip(".")
    if len(text) > 1 and text.endswith("-") and text[0] not in "+-":
        negative, text = True, text[:-1]  # accounting's trailing minus: "12-"
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


def joined_name(first, last) -> str:
    """ "Anna" and "Smith" → "Anna Smith": a name and a surname written in two columns."""
    return " ".join(part for part in (str(first or "").strip(), str(last or "").strip()) if part)


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


# Customers

# A customer id written as a phone number: digits with the punctuation people put in them, ten digits at least.
PHONE_ID = re.compile(r"\+?[\d\s().\-\u00a0]{10,25}")
PHONE_MARKS = re.compile(r"[+\s().\-\u00a0]")
# WooCommerce's "Customer User ID" of a guest; МойСклад's and 1C's stand-in for a buyer they do not know.
GUEST_IDS = frozenset({"0", "розничный покупатель", "роздрібний покупець"})


def customer_key(value) -> str:
    """A customer's id as stored: an e-mail in lower case, a phone as its digits, "" for a guest; else as written.

    Shops that know their customers by e-mail or phone write them in several spellings
    ("Anna@Example.com ", "+7 (916) 123-45-67", "8 916 123 45 67"); each spelling must
    find the same customer. A plain code ("000017", "79161234567") is kept as it is.
    """
    text = str(value or "").strip()
    if text.lower() in GUEST_IDS:
        return ""
    if "@" in text:
        return text.lower()
    if PHONE_MARKS.search(text) and PHONE_ID.fullmatch(text):
        digits = normalize_phone(text)
        if 10 <= len(digits) <= 15:
            return digits
    return text


NOT_CANCELLED = frozenset({"no", "false", "0", "нет", "ні", "n"})


def is_cancelled(value) -> bool:
    """A "cancelled at" cell: a date (or yes) cancels the order; empty, or no/false/0, does not."""
    text = str(value or "").strip().lower()
    return bool(text) and text not in NOT_CANCELLED


# One record


class SkipRow(Exception):
    """A row left out on purpose (no customer, and the user chose to skip such rows)."""


WITHOUT_CUSTOMER = {
    "anonymous": gettext_lazy("import them as orders without a customer (they count for products and locations)"),
    "skip": gettext_lazy("skip them (counted in the report)"),
}


NEW_LOCATIONS = {
    "add": gettext_lazy("add them as new locations"),
    "refuse": gettext_lazy("refuse their rows (set the locations up first)"),
}


@dataclass(frozen=True)
class ReadOptions:
    """What the mapping step decides beyond the columns."""

    currency: str = ""  # for rows and files that name none: the organization's
    date_format: str = ""  # a key of DATE_FORMATS; "" until decided
    without_customer: str = "anonymous"  # a key of WITHOUT_CUSTOMER
    new_locations: str = "add"  # a key of NEW_LOCATIONS: what a location the organization has not set up gets
    # A check (dry run) of a file naming locations not set up yet: the names it may take as if they were.
    provisional_locations: tuple[str, ...] = ()


def contact_key(email, phone) -> str:
    """The id of a customer known by contact alone: the e-mail in lower case, else the phone's digits, else ""."""
    email = str(email or "").strip().lower()
    if "@" in email:
        return email
    digits = normalize_phone(str(phone or ""))
    return digits if 10 <= len(digits) <= 15 else ""


def customer_preparer(record: dict) -> dict:
    """A customers file's record with an id: a file without an id column (a CRM's or a phone book's list of
    people) knows each customer by e-mail, else phone, as a purchases file does (purchase_preparer)."""
    if not str(record.get("external_id") or "").strip():
        record["external_id"] = contact_key(record.get("email"), record.get("phone"))
    if "last_name" in record:
        record["name"] = joined_name(record.get("name"), record.pop("last_name"))
    return record


def purchase_preparer(options: ReadOptions, *, fill: Callable[[dict], dict] | None = None) -> Callable[[dict], dict]:
    """A function record → record with plain values, or RowError / SkipRow; for the purchases validator.

    `fill` is the order_fields_filler to use, for a caller that fills records itself too (fast_rows).
    """
    date_format, skip, default_currency = options.date_format, options.without_customer == "skip", options.currency
    # A later line of an order that leaves its customer, date or currency empty takes its first line's
    # (Shopify writes them on an order's first row only): before the skip, so it is not taken as anonymous.
    fill = fill or order_fields_filler()
    keys: dict[str, str] = {}  # customer_key of each customer id met (customers repeat over a file)
    # Per order whose refund was read: what of it is still to be taken off its lines (see take_refund).
    refunds = RefundsLeft()

    def prepare(record: dict) -> dict:
        reasons: list[str] = []
        fill(record)
        raw_customer = record.get("customer_external_id")
        raw_customer = raw_customer.strip() if type(raw_customer) is str else str(raw_customer or "").strip()
        customer = keys.get(raw_customer)
        if customer is None:
            if len(keys) >= 50_000:
                keys.clear()
            customer = keys[raw_customer] = customer_key(raw_customer)
        if not customer:
            # A guest (WooCommerce's customer 0, an empty id) who left an e-mail or a phone is known by it.
            customer = contact_key(record.get("customer_email"), record.get("customer_phone"))
        if not customer:
            if skip:
                raise SkipRow
            record["customer_external_id"] = ""
        else:
            record["customer_external_id"] = customer
            if "@" in customer and not record.get("customer_email"):
                record["customer_email"] = customer  # Shopify knows its customers by e-mail alone
            elif customer != raw_customer and customer.isdigit() and not record.get("customer_phone"):
                record["customer_phone"] = customer  # an id spelled as a phone number is the phone too
        if not str(record.get("product_external_id") or "").strip() and record.get("product_name"):
            # Shopify and Prom leave the SKU empty for a product that has none: its name is what names it.
            record["product_external_id"] = str(record["product_name"]).strip()[:100]
        if "purchased_time" in record:
            record["purchased_at"] = with_time(record.get("purchased_at"), record.pop("purchased_time"))
        if "customer_last_name" in record:
            record["customer_name"] = joined_name(record.get("customer_name"), record.pop("customer_last_name"))
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
        numbers, written_currency = {}, ""
        for key in ("amount", "quantity", "unit_price"):
            if key in record:
                number, sign = number_and_currency(record[key])
                if number is None:
                    reasons.append(_("%(field)s “%(value)s” is not a number") % {"field": key, "value": record[key]})
                else:
                    record[key] = numbers[key] = number
                    if key != "quantity":
                        written_currency = written_currency or sign
        if not numbers.get("amount") and numbers.get("quantity") and numbers.get("unit_price"):
            record["amount"] = str(
                (Decimal(numbers["quantity"]) * Decimal(numbers["unit_price"])).quantize(Decimal("0.01"))
            )
        if "document_type" in record and order_status(record.pop("document_type")) == RETURNED and not reasons:
            _returned_line(record)
        if "refunded_amount" in record:
            take_refund(record, refunds, reasons)
        raw_currency = str(record.get("currency") or "").strip()
        # The currency column; else the sign written beside the amounts ("$12.50"); else the organization's.
        record["currency"] = currency_code(raw_currency) or written_currency or default_currency
        status = order_status(record["status"]) if "status" in record else ""
        if is_cancelled(record.pop("cancelled_at", "")):
            status = CANCELLED  # Shopify's "Cancelled at": a cancelled order may still read "paid"
        order = record.get("external_id")
        if not status and type(order) is str and order[:1] == "C" and CANCELLED_INVOICE.fullmatch(order.strip()):
            status = CANCELLED  # the Online Retail convention: a cancelling invoice's number starts with C
        if "status" in record or status:
            record["status"] = status
        if reasons:
            raise RowError(reasons)
        return record

    return prepare


def _returned_line(record: dict) -> None:
    """A line of a return document (Эвотор's «Возврат» receipt, Checkbox's «Повернення», Square's "Refund")
    taken off: cash registers write its quantity and amount positive, as on the sale it returns.

    Unlike an order whose *status* says refunded (the sale itself not standing: it adds nothing,
    decision 0014), a return document is a document of its own, so its lines are negative and
    take their amount off the customer's revenue. A line already negative stays as it is.
    """
    for key in ("quantity", "amount"):
        number = record.get(key)
        if number not in (None, "") and not number.startswith("-") and number.strip("0."):
            record[key] = "-" + number


def take_refund(record: dict, refunds: RefundsLeft, reasons: list[str]) -> None:
    """Take the order's refunded amount (Shopify's "Refunded Amount") off its lines, once per order.

    Exports repeat the order's refund on every line, or give it on the first only: the
    first non-empty value of an order other than zero is its refund, later ones are
    ignored, however far apart its lines lie (decision 0067). It is taken
    off the order's positive lines in the file's order, each down to zero at most, so
    the order's net revenue is its lines' sum less the refund, never below zero, in the
    order's own currency, and "revenue = sum of lines" stays true for both writers
    (decision 0066). The record's amount must be a plain number already.
    """
    raw = record.pop("refunded_amount")
    order = str(record.get("external_id") or "").strip()
    left = refunds.get(order)
    if left is None and str(raw or "").strip():
        number, _sign = number_and_currency(raw)
        if number is None:
            reasons.append(_("refunded amount “%(value)s” is not a number") % {"value": raw})
            return
        left = abs(Decimal(number))
        if left:  # a zero refund (WooCommerce writes one for every order) takes nothing off: not kept
            # Never forgotten (an order's lines may lie far apart): see imports.refunds.
            refunds[order] = left
    amount = record.get("amount")
    if not left or amount in (None, "") or reasons:
        return
    amount = Decimal(str(amount))
    if amount <= 0 or str(record.get("quantity") or "").startswith("-"):
        return  # a returned line already takes its own amount off
    taken = min(left, amount)
    refunds[order] = left - taken
    record["amount"] = str((amount - taken).quantize(Decimal("0.01")))
