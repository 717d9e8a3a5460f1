"""Writes for the customer base: validate and upsert customers, products, purchases and events.

One validator per kind turns a raw record (from the API, a CSV/XLSX row or a
nightly exchange file) into clean field values or a list of reasons; one upsert
per kind stores a batch keyed by the records' external ids. Pushing the same
batch twice changes nothing; a changed record updates the stored one.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Membership, Organization
from otklik.customers.models import (
    Customer,
    CustomerEvent,
    EvaluationMode,
    OrderStatus,
    Product,
    Purchase,
    PurchaseLine,
    Tag,
)
from otklik.messaging.channels import CHANNELS

MAX_BATCH = 10_000
TRUE_WORDS = {"1", "true", "yes", "y", "да", "так", "on", "+"}
FALSE_WORDS = {"0", "false", "no", "n", "нет", "ні", "off", "-", ""}

CUSTOMER_FIELDS = [
    "name",
    "email",
    "phone",
    "telegram_chat_id",
    "language",
    *[channel.consent_field for channel in CHANNELS.values()],
]
PRODUCT_FIELDS = ["name", "evaluation_delay_days", "evaluation_mode"]
PURCHASE_FIELDS = [
    "customer_id",
    "product_id",
    "amount",
    "currency",
    "status",
    "purchased_at",
    "location_id",
    "employee_name",
]
LINE_FIELDS = ["product_id", "quantity", "unit_price", "amount"]
# Status words of shop exports (Shopify, WooCommerce, 1C, InSales) that undo an order, in en/ru/uk: the start of a
# word, so that every form counts ("Cancelled by customer", "wc-cancelled", "Отменён клиентом", "Скасування").
CANCEL_STEMS = ("cancel", "void", "fail", "отмен", "аннулир", "скасов", "скасув", "відмін", "анульов")
RETURN_STEMS = ("refund", "return", "возврат", "возвращ", "поверн")
# A word that makes the status not a whole cancellation or return: a partial refund leaves the order standing
# (its negative lines, if any, take their share back), and "not cancelled" is no cancellation.
NOT_WHOLE_STEMS = ("partial", "partly", "частичн", "частков", "частин")
NEGATIONS = {"not", "no", "non", "не", "ні", "нет"}
# UCI Online Retail and shops like it number a cancellation as the order number with a C in front.
CANCELLATION_NUMBER = re.compile(r"[Cc]\d+")
# How strongly a line's marker speaks for its order: a cancellation outweighs a return.
MARK_RANK = {"": 0, OrderStatus.RETURNED: 1, OrderStatus.CANCELLED: 2}
CONFLICT_RETRIES = 3


class RowError(ValueError):
    """One record's problems, as reasons a person can act on."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def normalize_phone(raw: str) -> str:
    """Digits with the country code: "+7 (916) 123-45-67" and "8 916 123 45 67" both give "79161234567"."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]  # the Russian trunk prefix
    elif len(digits) == 10 and digits.startswith("0"):
        digits = "38" + digits  # a Ukrainian number without its country code
    return digits


def _text(record: dict, key: str, limit: int) -> str:
    value = record.get(key)
    return "" if value is None else str(value).strip()[:limit]


def _flag(record: dict, key: str, reasons: list[str]) -> bool | None:
    """A yes/no column; None when the record does not mention it (so an update keeps the stored value)."""
    if key not in record or record[key] is None:
        return None
    value = record[key]
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    reasons.append(_("%(field)s must be yes or no, not “%(value)s”") % {"field": key, "value": value})
    return None


def parse_moment(value, *, tz) -> datetime | None:
    """A date or date-time from ISO text, "DD.MM.YYYY[ HH:MM[:SS]]" (1C), a date or a datetime; None if unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12))
    else:
        text = str(value or "").strip()
        moment = None
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", text)
        try:
            if match:
                day, month, year, hour, minute, second = match.groups()
                moment = datetime(int(year), int(month), int(day), int(hour or 12), int(minute or 0), int(second or 0))
            else:
                moment = parse_datetime(text.replace(" ", "T", 1)) if len(text) > 10 else None
                if moment is None and (only_date := parse_date(text)) is not None:
                    moment = datetime.combine(only_date, time(12))
        except ValueError:
            return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, tz)


def customer_clean(record: dict) -> dict:
    """Clean customer fields from a raw record, or raise RowError. Absent fields stay absent."""
    reasons: list[str] = []
    external_id = _text(record, "external_id", 100)
    if not external_id:
        reasons.append(_("external_id is required"))
    clean: dict = {"external_id": external_id}
    for key, limit in [("name", 200), ("telegram_chat_id", 40)]:
        if key in record:
            clean[key] = _text(record, key, limit)
    if "email" in record:
        email = _text(record, "email", 254).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(_("“%(value)s” is not an e-mail address") % {"value": email})
        clean["email"] = email
    if "phone" in record:
        phone = normalize_phone(_text(record, "phone", 40))
        if phone and not 10 <= len(phone) <= 15:
            reasons.append(_("“%(value)s” is not a phone number") % {"value": record["phone"]})
        clean["phone"] = phone
    if "language" in record:
        language = _text(record, "language", 5).lower()
        if language and language not in dict(settings.LANGUAGES):
            reasons.append(_("language must be one of en, ru, uk"))
        clean["language"] = language
    for channel in CHANNELS.values():
        consent = _flag(record, channel.consent_field, reasons)
        if consent is not None:
            clean[channel.consent_field] = consent
    if "tags" in record and record["tags"] is not None:
        tags = record["tags"]
        names = tags if isinstance(tags, list | tuple) else str(tags).replace(";", ",").split(",")
        clean["tags"] = sorted({str(name).strip()[:60] for name in names if str(name).strip()})
    if reasons:
        raise RowError(reasons)
    return clean


def product_clean(record: dict) -> dict:
    """Clean product fields from a raw record, or raise RowError."""
    reasons: list[str] = []
    clean: dict = {"external_id": _text(record, "external_id", 100)}
    if not clean["external_id"]:
        reasons.append(_("external_id is required"))
    if "name" in record:
        clean["name"] = _text(record, "name", 200)
    if record.get("evaluation_delay_days") not in (None, ""):
        try:
            delay = int(str(record["evaluation_delay_days"]).strip())
            if not 0 <= delay <= 365:
                raise ValueError
            clean["evaluation_delay_days"] = delay
        except ValueError:
            reasons.append(_("evaluation_delay_days must be a whole number of days from 0 to 365"))
    if record.get("evaluation_mode") not in (None, ""):
        mode = str(record["evaluation_mode"]).strip().lower()
        if mode not in EvaluationMode.values:
            reasons.append(_("evaluation_mode must be automatic or manual"))
        clean["evaluation_mode"] = mode
    if reasons:
        raise RowError(reasons)
    return clean


def _decimal(raw, *, places: str) -> Decimal:
    """A number as exports write it ("1 250,50", "-3"); ValueError when it is none."""
    text = str(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or abs(value) >= Decimal("1e11"):
        raise ValueError(text)
    return value.quantize(Decimal(places))


def status_mark(*, external_id: str, status: str) -> str:
    """What a line says of its order's fate: "cancelled", "returned", or "" (the lines decide).

    A status of a shop export that says the order was cancelled or refunded, in any form,
    case, spacing or punctuation (status_word), or an order number prefixed C (a
    cancellation in UCI Online Retail's numbering). Any other status ("paid",
    "fulfilled", "partially refunded") leaves the order to its lines.
    """
    word = status_word(status) if status else ""
    if word:
        return word
    if CANCELLATION_NUMBER.fullmatch(external_id):
        return OrderStatus.CANCELLED.value
    return ""


@functools.lru_cache(maxsize=4096)  # a file repeats a handful of statuses on every line
def status_word(status: str) -> str:
    """ "cancelled", "returned" or "" from a status as shops write it, tolerant of case, spacing and punctuation.

    A word starting like "cancel", "void", "отмен", "скасов"… cancels; one like "refund",
    "return", "возврат", "поверн"… returns; a cancellation outweighs a return. A partial
    refund ("partially refunded", "refunded (partial)", "частичный возврат") or a negation
    ("not cancelled") is neither: the order stands. 1C's "[N] " before a status is left out.
    """
    text = re.sub(r"^\s*\[\w+\]", " ", str(status).lower().replace("ё", "е"))
    words = re.findall(r"[^\W\d_]+", text)
    if any(word.startswith(NOT_WHOLE_STEMS) or word in NEGATIONS for word in words):
        return ""
    if any(word.startswith(CANCEL_STEMS) for word in words):
        return OrderStatus.CANCELLED.value
    if any(word.startswith(RETURN_STEMS) for word in words):
        return OrderStatus.RETURNED.value
    return ""


def order_status(*, mark: str, amounts: list[Decimal], quantities: list[Decimal]) -> str:
    """An order's status from its lines' strongest marker, else from its lines: all negative is a return."""
    if mark:
        return mark
    if quantities and all(q < 0 or a < 0 for q, a in zip(quantities, amounts, strict=True)):
        return OrderStatus.RETURNED.value
    return OrderStatus.COMPLETED.value


def order_amount(*, status: str, amounts: list[Decimal]) -> Decimal:
    """What an order adds to revenue: all its lines when completed; when not, only the money given back.

    A cancelled or refunded order's own sale did not stand, so its positive lines count
    for nothing; its negative lines (UCI's C-numbered cancellations, a return document)
    take back revenue an earlier order brought.
    """
    if status == OrderStatus.COMPLETED:
        return sum(amounts, Decimal("0.00"))
    return sum((amount for amount in amounts if amount < 0), Decimal("0.00"))


def purchase_clean(record: dict, *, tz, locations: dict[str, int], currency: str = "RUB") -> dict:
    """Clean one order line, or raise RowError. `locations` maps lower-cased location names to ids.

    A line names its order (`external_id`: lines with the same one are one order), its
    product and, unless the order is anonymous, its customer; it may carry their names
    and contacts inline (as exchange files from accounting systems do). The amount is
    the line's; without one it is quantity × unit price, and it takes the quantity's
    sign (a negative quantity is a return). `currency` is the organization's, for
    lines that name none.
    """
    reasons: list[str] = []
    clean: dict = {"external_id": _text(record, "external_id", 100)}
    if not clean["external_id"]:
        reasons.append(_("external_id is required"))
    clean["customer_external_id"] = _text(record, "customer_external_id", 100)
    clean["product_external_id"] = _text(record, "product_external_id", 100)
    if not clean["product_external_id"]:
        reasons.append(_("product_external_id is required"))
    quantity, unit_price = Decimal("1.000"), None
    if record.get("quantity") not in (None, ""):
        try:
            quantity = _decimal(record["quantity"], places="0.001")
        except ValueError:
            reasons.append(_("quantity “%(value)s” is not a number") % {"value": record["quantity"]})
    if record.get("unit_price") not in (None, ""):
        try:
            unit_price = _decimal(record["unit_price"], places="0.0001")
        except ValueError:
            reasons.append(_("unit_price “%(value)s” is not a number") % {"value": record["unit_price"]})
    raw_amount = record.get("amount")
    amount = Decimal("0.00")
    try:
        if raw_amount not in (None, ""):
            amount = _decimal(raw_amount, places="0.01")
        elif unit_price is not None:
            amount = (quantity * unit_price).quantize(Decimal("0.01"))
    except (ValueError, InvalidOperation):
        reasons.append(_("amount “%(value)s” is not a number") % {"value": raw_amount})
    if abs(amount) >= Decimal("1e11"):
        reasons.append(_("amount “%(value)s” is not a number") % {"value": raw_amount or amount})
        amount = Decimal("0.00")
    if quantity < 0 < amount:
        amount = -amount  # exports that write a returned line's amount without its sign
    clean.update(quantity=quantity, unit_price=unit_price, amount=amount)
    line_currency = _text(record, "currency", 10).upper() or currency
    if not re.fullmatch(r"[A-Z]{3}", line_currency):
        reasons.append(_("currency must be a three-letter code such as RUB, UAH or USD"))
    clean["currency"] = line_currency
    moment = parse_moment(record.get("purchased_at"), tz=tz)
    if moment is None:
        reasons.append(_("purchased_at “%(value)s” is not a date") % {"value": record.get("purchased_at") or ""})
    clean["purchased_at"] = moment
    location_name = _text(record, "location", 200)
    clean["location_id"] = None
    if location_name:
        clean["location_id"] = locations.get(location_name.lower())
        if clean["location_id"] is None:
            reasons.append(_("no location named “%(value)s”") % {"value": location_name})
    clean["employee_name"] = _text(record, "employee", 200)
    clean["mark"] = status_mark(external_id=clean["external_id"], status=_text(record, "status", 60))
    clean["customer"] = None
    if clean["customer_external_id"]:
        inline_customer = {
            key.removeprefix("customer_"): record[key]
            for key in ["customer_name", "customer_email", "customer_phone", "customer_language"]
            if key in record
        }
        inline_customer["external_id"] = clean["customer_external_id"]
        try:
            clean["customer"] = customer_clean(inline_customer)
        except RowError as exc:
            reasons.extend(exc.reasons)
    clean["product"] = {"external_id": clean["product_external_id"], "name": _text(record, "product_name", 200)}
    if reasons:
        raise RowError(reasons)
    return clean


# An order's own fields, as a line may carry them. Shopify's orders export writes the customer's e-mail,
# the dates and the currency on an order's first row only; its later rows leave them empty.
ORDER_FIELDS = ("customer_external_id", "purchased_at", "currency", "location", "employee")
INLINE_CUSTOMER_FIELDS = ("customer_name", "customer_email", "customer_phone", "customer_language")


def order_fields_filler(*, limit: int = 100_000) -> Callable[[dict], dict]:
    """A function record → the record with its empty order fields taken from its order's first line that had them.

    Lines are seen in the file's (or the batch's) order, so a later line of an order
    gets what an earlier one said: the check passes it, and both writers store the
    order with the first line's customer, date, currency, place and seller. The
    customer's inline details follow only a line of the same customer. At most `limit`
    orders are remembered (a file lists an order's lines together).
    """
    heads: dict[str, dict] = {}

    def fill(record: dict) -> dict:
        order = record.get("external_id")
        order = order.strip() if type(order) is str else str(order or "")
        if not order:
            return record
        head = heads.get(order)
        if head is None:
            if len(heads) >= limit:
                heads.clear()
            head = heads[order] = {}
        # Each empty (or absent) field from the head, the first value of each seen into it; written out
        # twice rather than as a helper called twice: this runs once per line of a million-line file.
        for key in ORDER_FIELDS:
            value = record.get(key)
            if value is None or (type(value) is str and not value.strip()):
                if key in head:
                    record[key] = head[key]
            elif key not in head:
                head[key] = value
        if "customer_external_id" in head and record.get("customer_external_id") == head["customer_external_id"]:
            for key in INLINE_CUSTOMER_FIELDS:
                value = record.get(key)
                if value is None or (type(value) is str and not value.strip()):
                    if key in head:
                        record[key] = head[key]
                elif key not in head:
                    head[key] = value
        return record

    return fill


@dataclass
class UpsertResult:
    """What a batch did: counts, and the reasons for each refused record by its position (1-based)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: dict[int, list[str]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    changed_ids: set[int] = field(default_factory=set)  # the records created or updated

    def add(self, other: "UpsertResult") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _upsert(model, *, organization: Organization, rows: list[dict], fields: list[str]) -> UpsertResult:
    """Store rows keyed by external_id: create the new, update the changed, leave the same alone.

    `rows` hold each external_id once (the callers keep the last copy), so every object is touched once.
    """
    result = UpsertResult()
    existing = {
        obj.external_id: obj
        for obj in model.objects.filter(organization=organization, external_id__in=[row["external_id"] for row in rows])
    }
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        obj = existing.get(row["external_id"])
        if obj is None:
            obj = model(
                organization=organization,
                **{key: row[key] for key in fields if key in row} | {"external_id": row["external_id"]},
            )
            existing[row["external_id"]] = obj
            to_create.append(obj)
            continue
        diff = [key for key in fields if key in row and getattr(obj, key) != row[key]]
        if diff and getattr(obj, "digest", None) is not None:
            # An order changed here: the PostgreSQL import's digest no longer says what it holds.
            diff.append("digest")
            row = {**row, "digest": None}
        if diff:
            for key in diff:
                setattr(obj, key, row[key])
            changed_fields.update(diff)
            to_update.append(obj)
        else:
            result.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for obj in to_update:
                obj.updated_at = now
            changed_fields.add("updated_at")
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=1000)
    result.created, result.updated = len(to_create), len(to_update)
    if not connection_returns_ids(model):
        fresh = dict(
            model.objects.filter(organization=organization, external_id__in=list(existing)).values_list(
                "external_id", "pk"
            )
        )
        for key, obj in existing.items():
            obj.pk = fresh[key]
    result.ids = [existing[row["external_id"]].pk for row in rows]
    result.changed_ids = {obj.pk for obj in [*to_create, *to_update]}
    return result


def connection_returns_ids(model) -> bool:
    from django.db import connections, router

    return connections[router.db_for_write(model)].features.can_return_rows_from_bulk_insert


def _validate_batch(records: list[dict], clean) -> tuple[list[dict], dict[int, list[str]]]:
    if len(records) > MAX_BATCH:
        raise ValidationError(_("At most %(n)s records per request.") % {"n": MAX_BATCH})
    rows, errors = [], {}
    for number, record in enumerate(records, start=1):
        try:
            rows.append(clean(record))
        except RowError as exc:
            errors[number] = exc.reasons
    # The last copy of a record wins, as if the records were pushed one after another.
    return list({row["external_id"]: row for row in rows}.values()), errors


def _set_tags(*, organization: Organization, customers: dict[int, list[str]]) -> None:
    names = {name for tags in customers.values() for name in tags}
    for name in names:
        Tag.objects.get_or_create(organization=organization, name=name)
    by_name = dict(Tag.objects.filter(organization=organization, name__in=names).values_list("name", "pk"))
    through = Customer.tags.through
    through.objects.filter(customer_id__in=list(customers)).delete()
    through.objects.bulk_create(
        [through(customer_id=pk, tag_id=by_name[name]) for pk, tags in customers.items() for name in tags]
    )


def erased_external_ids(*, organization: Organization, external_ids: list[str]) -> set[str]:
    """Which of these external ids belong to customers erased on request (their contacts never come back)."""
    return set(
        Customer.objects.filter(
            organization=organization, external_id__in=external_ids, erased_at__isnull=False
        ).values_list("external_id", flat=True)
    )


def customers_upsert(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Validate and store customers; nothing is written when any record is invalid."""
    rows, errors = _validate_batch(records, customer_clean)
    if errors:
        return UpsertResult(errors=errors)
    erased = erased_external_ids(organization=organization, external_ids=[row["external_id"] for row in rows])
    if erased:
        # A customer erased on request stays erased: the CRM's next push brings no contacts back.
        rows = [{"external_id": row["external_id"]} if row["external_id"] in erased else row for row in rows]

    def store() -> UpsertResult:
        result = _upsert(Customer, organization=organization, rows=rows, fields=CUSTOMER_FIELDS)
        tagged = {pk: row["tags"] for pk, row in zip(result.ids, rows, strict=True) if "tags" in row}
        if tagged:
            _set_tags(organization=organization, customers=tagged)
        return result

    return conflict_retried(store)


def products_upsert(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Validate and store catalogue items; nothing is written when any record is invalid."""
    rows, errors = _validate_batch(records, product_clean)
    for number, record in enumerate(records, start=1):
        if not _text(record, "name", 200) and number not in errors:
            errors[number] = [_("name is required")]
    if errors:
        return UpsertResult(errors=errors)
    return conflict_retried(lambda: _upsert(Product, organization=organization, rows=rows, fields=PRODUCT_FIELDS))


def location_ids(organization: Organization) -> dict[str, int]:
    """Location names (lower case) → ids, for matching the location column of purchase files."""
    return {
        name.lower(): pk for pk, name in Location.objects.filter(organization=organization).values_list("pk", "name")
    }


def conflict_retried(store):
    """`store()` in a savepoint, again when a concurrent writer created one of its records first.

    Two clients pushing the same new external id at once both find nothing stored and
    both insert; the database's unique constraint refuses the second. Retried, it finds
    the first one's committed record and updates it (or leaves it unchanged), as if the
    pushes had come one after the other, so the API answers 200 with the stored record
    instead of failing with 500.
    """
    for attempt in range(CONFLICT_RETRIES):
        try:
            with transaction.atomic():
                return store()
        except IntegrityError:
            if attempt == CONFLICT_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass
class LinesSeen:
    """The orders an import has stored lines of so far, for an order whose lines span several batches.

    By external id: (lines stored by this import, its strongest status marker). The
    next batch appends after them instead of replacing them.
    """

    orders: dict[str, tuple[int, str]] = field(default_factory=dict)


def purchases_upsert(*, organization: Organization, records: list[dict], seen: LinesSeen | None = None) -> UpsertResult:
    """Validate and store order lines, with the orders, customers and products they name.

    Each record is one line; lines with the same `external_id` are one order, whose
    lines become these (a re-sent order replaces its lines; with `seen`, an import's
    later batch appends to what its earlier ones stored). The order's customer, date,
    place, seller and currency are each the first line's that has it (a later line that
    leaves one empty takes it from an earlier line of its order). A customer or product not seen
    before is created from the inline columns (name, e-mail, phone; product name), so
    a file from accounting needs no separate customer file. Counts are of orders.
    Nothing is written when any record is invalid. The invitations the orders call for are
    scheduled by the intake (otklik/intake/purchases.py), which calls this.
    """
    tz, locations = organization.zone, location_ids(organization)
    currency = organization.currency or "RUB"
    lines, errors = [], {}
    if len(records) > MAX_BATCH:
        raise ValidationError(_("At most %(n)s records per request.") % {"n": MAX_BATCH})
    fill = order_fields_filler()
    for number, record in enumerate(records, start=1):
        try:
            record = fill(dict(record)) if isinstance(record, dict) else record
            lines.append(purchase_clean(record, tz=tz, locations=locations, currency=currency))
        except RowError as exc:
            errors[number] = exc.reasons
    if errors:
        return UpsertResult(errors=errors)
    return conflict_retried(lambda: _orders_store(organization, lines, seen))


def _best_product(lines: list[tuple], products: dict[int, tuple]) -> int:
    """The product that decides an order's invitation (ADR 0014): an active one asked about last.

    Among the active products (any, if none is), the longest delay wins, so every product
    of the order has been tried when the customer is asked; then one with a survey of its
    own; then the first line.
    """

    def rank(item: tuple[int, tuple]) -> tuple:
        position, line = item
        active, delay, has_survey = products[line[1]]
        return (not active, -delay, not has_survey, position)

    return min(enumerate(lines), key=rank)[1][1]


def _orders_store(organization: Organization, lines: list[dict], seen: LinesSeen | None) -> UpsertResult:
    """Store clean lines as orders: customers and products first, then each order's fields, then its lines.

    The order's status, amount and deciding product come from all its lines (with a
    continued order's earlier ones), as imports/pg_fast.py computes them in SQL.
    """
    orders: dict[str, list[dict]] = {}
    for line in lines:
        orders.setdefault(line["external_id"], []).append(line)
    customer_ids = _ensure_related(
        Customer, organization, [line["customer"] for line in lines if line["customer"]], CUSTOMER_FIELDS
    )
    product_ids = _ensure_related(Product, organization, [line["product"] for line in lines], ["name"])
    stored_ids = dict(
        Purchase.objects.filter(organization=organization, external_id__in=list(orders)).values_list(
            "external_id", "pk"
        )
    )
    stored_lines: dict[int, dict[int, PurchaseLine]] = {}
    for line in PurchaseLine.objects.filter(purchase_id__in=list(stored_ids.values())):
        stored_lines.setdefault(line.purchase_id, {})[line.line_no] = line
    rows, wanted, progress, gathered = [], {}, {}, []
    for external_id, order_lines in orders.items():
        offset, mark = seen.orders.get(external_id, (0, "")) if seen is not None else (0, "")
        earlier = stored_lines.get(stored_ids.get(external_id), {})
        # (line_no, product_id, quantity, unit_price, amount): this import's earlier lines, then these.
        all_lines = [
            (no, line.product_id, line.quantity, line.unit_price, line.amount)
            for no, line in sorted(earlier.items())
            if no <= offset
        ]
        fresh = [
            (
                offset + position,
                product_ids[line["product_external_id"]],
                line["quantity"],
                line["unit_price"],
                line["amount"],
            )
            for position, line in enumerate(order_lines, start=1)
        ]
        all_lines += fresh
        for line in order_lines:
            mark = max(mark, line["mark"], key=MARK_RANK.__getitem__)
        progress[external_id] = (len(all_lines), mark)
        gathered.append((external_id, _order_head(order_lines), all_lines, mark))
        wanted[external_id] = (fresh, offset + len(fresh))
    # The products of every line, this batch's and those earlier batches stored for a continued order.
    products = {
        pk: (active, delay, survey_id is not None)
        for pk, active, delay, survey_id in Product.objects.filter(
            pk__in={line[1] for _key, _head, all_lines, _mark in gathered for line in all_lines}
        ).values_list("pk", "is_active", "evaluation_delay_days", "survey_id")
    }
    # An order continued from an earlier batch of this import keeps what its earlier lines said (the first
    # line that has a field gives it), and takes from these lines only what those left empty.
    continued_ids = [stored_ids[key] for key in orders if seen is not None and key in seen.orders and key in stored_ids]
    kept = {
        values["external_id"]: values
        for values in Purchase.objects.filter(pk__in=continued_ids).values(
            "external_id", "customer_id", "currency", "purchased_at", "location_id", "employee_name"
        )
    }
    for external_id, head, all_lines, mark in gathered:
        amounts = [line[4] for line in all_lines]
        status = order_status(mark=mark, amounts=amounts, quantities=[line[2] for line in all_lines])
        row = {
            "external_id": external_id,
            "customer_id": customer_ids[head["customer_external_id"]] if head["customer"] else None,
            "product_id": _best_product(all_lines, products),
            "amount": order_amount(status=status, amounts=amounts),
            "currency": head["currency"],
            "status": status,
            "purchased_at": head["purchased_at"],
            "location_id": head["location_id"],
            "employee_name": head["employee_name"],
        }
        earlier = kept.get(external_id)
        if earlier is not None:
            row.update({key: value for key, value in earlier.items() if value not in (None, "")})
        rows.append(row)
    result = _upsert(Purchase, organization=organization, rows=rows, fields=PURCHASE_FIELDS)
    lines_changed = _lines_store(
        {pk: wanted[row["external_id"]] for pk, row in zip(result.ids, rows, strict=True)}, stored_lines
    )
    # An order whose own fields stayed but whose lines changed was updated too. One continued from an
    # earlier batch of the same import was counted there.
    continued = {
        pk for pk, row in zip(result.ids, rows, strict=True) if seen is not None and row["external_id"] in seen.orders
    }
    moved = len(lines_changed - result.changed_ids - continued)
    if lines_changed - result.changed_ids:
        # Lines changed under an order whose own fields stayed: its import digest no longer holds.
        Purchase.objects.filter(pk__in=lines_changed - result.changed_ids, digest__isnull=False).update(digest=None)
    result.updated += moved - len(continued & result.changed_ids)
    result.unchanged -= moved + len(continued - result.changed_ids)
    # The seller is part of the order as stored; the invitations it calls for are the intake's step
    # (otklik/intake/purchases.py), which calls this.
    purchases_match_sellers(organization=organization, purchases=Purchase.objects.filter(pk__in=result.ids))
    if seen is not None:  # only once stored: a batch retried after a conflict starts from the same place
        seen.orders.update(progress)
    return result


def _order_head(order_lines: list[dict]) -> dict:
    """The order's own fields, each from its first line that has it (Shopify fills them on the first row only)."""
    head = dict(order_lines[0])
    with_customer = next((line for line in order_lines if line["customer"]), None)
    if with_customer is not None:
        head["customer"], head["customer_external_id"] = (
            with_customer["customer"],
            with_customer["customer_external_id"],
        )
    for key in ("location_id", "employee_name"):
        head[key] = next((line[key] for line in order_lines if line[key] not in (None, "")), head[key])
    return head


def _lines_store(wanted: dict[int, tuple[list[tuple], int]], stored: dict[int, dict[int, PurchaseLine]]) -> set[int]:
    """Make each order's lines the wanted ones: create, update, and delete those past its last; ids changed."""
    to_create, to_update, stale, changed = [], [], [], set()
    for purchase_id, (fresh, last) in wanted.items():
        current = stored.get(purchase_id, {})
        for no, product_id, quantity, unit_price, amount in fresh:
            line = current.get(no)
            values = {"product_id": product_id, "quantity": quantity, "unit_price": unit_price, "amount": amount}
            if line is None:
                to_create.append(PurchaseLine(purchase_id=purchase_id, line_no=no, **values))
                changed.add(purchase_id)
            elif any(getattr(line, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(line, key, value)
                to_update.append(line)
                changed.add(purchase_id)
        extra = [line.pk for no, line in current.items() if no > last]
        if extra:
            stale += extra
            changed.add(purchase_id)
    PurchaseLine.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        PurchaseLine.objects.bulk_update(to_update, LINE_FIELDS, batch_size=1000)
    for start in range(0, len(stale), 900):
        PurchaseLine.objects.filter(pk__in=stale[start : start + 900]).delete()
    return changed


def _ensure_related(model, organization: Organization, rows: list[dict], fields: list[str]) -> dict[str, int]:
    """Ids by external id for the customers/products a batch of purchases names, creating or filling them in."""
    merged: dict[str, dict] = {}
    for row in rows:
        merged.setdefault(row["external_id"], {"external_id": row["external_id"]}).update(
            {key: value for key, value in row.items() if value not in ("", None)}
        )
    stored = dict(
        model.objects.filter(organization=organization, external_id__in=list(merged)).values_list("external_id", "pk")
    )
    missing = [row for key, row in merged.items() if key not in stored]
    for row in missing:
        row.setdefault("name", row["external_id"] if model is Product else "")
    # Inline details only fill in new records: the customer file stays the authority for known ones.
    if missing:
        result = _upsert(model, organization=organization, rows=missing, fields=fields)
        stored.update(zip([row["external_id"] for row in missing], result.ids, strict=True))
    return stored


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def member_names(*, organization: Organization) -> dict[str, int]:
    """Every way a source system may name a member → the member's user id.

    User name, e-mail, "first last" and "last first" (1C writes «Иванова Ольга»), compared without case
    or extra spaces. A name two members share names nobody: a sale is not credited by a guess.
    """
    names: dict[str, int | None] = {}
    members = Membership.objects.filter(organization=organization).select_related("user")
    for membership in members:
        user = membership.user
        ways = {user.username, user.email, f"{user.first_name} {user.last_name}", f"{user.last_name} {user.first_name}"}
        for way in {_name_key(way) for way in ways if way.strip()}:
            names[way] = user.pk if names.get(way, user.pk) == user.pk else None
    return {name: pk for name, pk in names.items() if pk is not None}


def purchases_match_sellers(*, organization: Organization, purchases) -> int:
    """Set each purchase's `employee` to the member its `employee_name` names, or none; returns how many changed.

    An answer about a purchase is credited to its seller (/metrics/ by employee, /people/): a name
    the source system wrote is matched here, once, where the purchase is stored. `purchases` is a
    queryset of the organization's purchases just stored or changed.
    """
    purchases = purchases.filter(organization=organization)
    names = member_names(organization=organization)
    written = set(purchases.exclude(employee_name="").values_list("employee_name", flat=True).distinct())
    by_user: dict[int, list[str]] = {}
    for name in written:
        user_id = names.get(_name_key(name))
        if user_id is not None:
            by_user.setdefault(user_id, []).append(name)
    changed = 0
    for user_id, raw_names in by_user.items():
        changed += (
            purchases.filter(employee_name__in=raw_names)
            .exclude(employee_id=user_id)
            .update(employee_id=user_id, updated_at=timezone.now())
        )
    matched = [name for raw_names in by_user.values() for name in raw_names]
    changed += (
        purchases.filter(employee__isnull=False)
        .exclude(employee_name__in=matched)
        .update(employee=None, updated_at=timezone.now())
    )
    return changed


def purchases_match_sellers_in_table(*, organization: Organization, table: str, where: str = "true") -> int:
    """`purchases_match_sellers` for the purchases a table lists by `id` (the import); returns how many changed.

    `table` is a trusted name (the import's temporary table) and `where` a condition on its rows
    (`c`) that picks the purchases a seller's name can change. Each purchase is read by its
    primary key, then updated by id: the queryset form (`id IN (subquery)` with the organization)
    was planned, with the statistics taken before an import, as a scan of all the organization's
    purchases per chunk, quadratic in a file that names sellers (ADR 0048).
    """
    names = member_names(organization=organization)
    purchase = Purchase._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT q.id, q.employee_name, q.employee_id, q.organization_id
            FROM (SELECT DISTINCT c.id FROM {table} c WHERE {where}) c
            CROSS JOIN LATERAL (
                SELECT q.id, q.employee_name, q.employee_id, q.organization_id FROM {purchase} q
                WHERE q.id = c.id LIMIT 1
            ) q
            """,  # noqa: S608 - trusted table name and condition, as in outreach.services
        )
        # The organization is checked here, not in the lookup: with it there the planner may walk the
        # organization's index (`organization_id` leads the external-id key) instead of the primary key, reading
        # every purchase stored so far — seen in CI with statistics taken on an emptier table. `LIMIT 1` keeps the
        # lookup a per-row subquery (a plain join may become a scan of all purchases with a hash join).
        rows = [row[:3] for row in cursor.fetchall() if row[3] == organization.pk]
        keys: dict[str, int | None] = {}
        moves: dict[int | None, list[int]] = {}
        for pk, name, employee_id in rows:
            if name not in keys:
                keys[name] = names.get(_name_key(name)) if name else None
            if keys[name] != employee_id:
                moves.setdefault(keys[name], []).append(pk)
        now = timezone.now()
        for user_id, ids in moves.items():
            cursor.execute(
                f"UPDATE {purchase} SET employee_id = %s, updated_at = %s WHERE id = ANY(%s)",  # noqa: S608
                [user_id, now, sorted(ids)],
            )
    return sum(len(ids) for ids in moves.values())


def events_record(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Store customer events ("trial_started") keyed by external id, for complaint hunting (B5)."""
    if len(records) > MAX_BATCH:
        raise ValidationError(_("At most %(n)s records per request.") % {"n": MAX_BATCH})
    tz = organization.zone
    result = UpsertResult()
    rows = []
    for number, record in enumerate(records, start=1):
        reasons = []
        external_id, name = _text(record, "external_id", 100), _text(record, "name", 60)
        customer_external_id = _text(record, "customer_external_id", 100)
        moment = parse_moment(record.get("occurred_at") or timezone.now(), tz=tz)
        if not external_id:
            reasons.append(_("external_id is required"))
        if not name:
            reasons.append(_("name is required"))
        if not customer_external_id:
            reasons.append(_("customer_external_id is required"))
        if moment is None:
            reasons.append(_("occurred_at is not a date"))
        if reasons:
            result.errors[number] = reasons
            continue
        rows.append(
            {
                "external_id": external_id,
                "name": name,
                "occurred_at": moment,
                "customer_external_id": customer_external_id,
                "data": record.get("data") or {},
            }
        )
    if result.errors:
        return result
    rows = list({row["external_id"]: row for row in rows}.values())  # the last copy of an event wins

    def store() -> UpsertResult:
        customer_ids = _ensure_related(
            Customer, organization, [{"external_id": row["customer_external_id"]} for row in rows], CUSTOMER_FIELDS
        )
        for row in rows:
            row["customer_id"] = customer_ids[row["customer_external_id"]]
        return _upsert(
            CustomerEvent, organization=organization, rows=rows, fields=["customer_id", "name", "occurred_at", "data"]
        )

    return conflict_retried(store)


def customer_match(*, organization: Organization, email: str = "", phone: str = "") -> Customer | None:
    """The organization's existing customer with this e-mail or phone (normalized), if any.

    An anonymous answer (a QR code) or a complaint taken by phone that leaves a contact is
    linked to the customer it belongs to (D3). E-mail wins over phone; among several
    customers with the same contact the one from the CRM (with an external id), then the
    oldest, is taken. Nothing is created: a stranger's contact finds nobody.
    """
    email, digits = (email or "").strip().lower(), normalize_phone(phone or "")
    for lookup, value in [("email__iexact", email), ("phone", digits if len(digits) >= 10 else "")]:
        if not value:
            continue
        customer = (
            Customer.objects.filter(organization=organization, **{lookup: value})
            .order_by(F("external_id").asc(nulls_last=True), "id")
            .first()
        )
        if customer is not None:
            return customer
    return None


def customer_from_contacts(
    *,
    organization: Organization,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = "",
    consent: bool = False,
) -> Customer | None:
    """The customer these contacts belong to (`customer_match`), else a new one made from them (D3, A6).

    A complaint left with contacts on a QR form then has a customer card, revenue and history like any
    other. `consent` is the box the customer ticked to be asked again: it is granted for the contacts
    they left (never withdrawn here: only an unsubscribe withdraws it). None when no usable contact
    was left (a phone needs its country code: ten digits at least).
    """
    email = (email or "").strip()
    digits = normalize_phone(phone or "")
    digits = digits if len(digits) >= 10 else ""
    if not email and not digits:
        return None
    customer = customer_match(organization=organization, email=email, phone=digits)
    if customer is None:
        customer = Customer.objects.create(
            organization=organization,
            name=(name or "").strip()[:200],
            email=email,
            phone=digits,
            language=language if language in dict(settings.LANGUAGES) else "",
            consent_email=consent and bool(email),
            consent_sms=consent and bool(digits),
            customer_since=timezone.now(),
        )
        return customer
    granted = {
        field: True
        for field, address in (("consent_email", email), ("consent_sms", digits))
        if consent and address and not getattr(customer, field)
    }
    if granted:
        Customer.objects.filter(pk=customer.pk).update(**granted, updated_at=timezone.now())
        for field, value in granted.items():
            setattr(customer, field, value)
    return customer


def customer_tag_add(*, customer: Customer, name: str) -> Tag:
    """Put a tag (created if new) on a customer; adding it twice changes nothing."""
    name = " ".join((name or "").split())[:60]
    if not name:
        raise ValidationError({"name": _("Give the tag a name.")})
    tag, _created = Tag.objects.get_or_create(organization_id=customer.organization_id, name=name)
    customer.tags.add(tag)
    return tag


def customer_tag_remove(*, customer: Customer, tag: Tag) -> None:
    """Take a tag off a customer; the tag stays for the others who carry it."""
    if tag.organization_id != customer.organization_id:
        raise ValidationError(_("The tag belongs to another organization."))
    customer.tags.remove(tag)


def product_update(*, product: Product, evaluation_delay_days: int, evaluation_mode: str, survey=None) -> Product:
    """Set when and how a product's buyers are asked for an evaluation (B1–B3); validated, else nothing changes."""
    errors = {}
    if not isinstance(evaluation_delay_days, int) or not 0 <= evaluation_delay_days <= 365:
        errors["evaluation_delay_days"] = _("evaluation_delay_days must be a whole number of days from 0 to 365")
    if evaluation_mode not in EvaluationMode.values:
        errors["evaluation_mode"] = _("evaluation_mode must be automatic or manual")
    if survey is not None and survey.organization_id != product.organization_id:
        errors["survey"] = _("The survey belongs to another organization.")
    if errors:
        raise ValidationError(errors)
    product.evaluation_delay_days, product.evaluation_mode = evaluation_delay_days, evaluation_mode
    product.survey = survey
    product.save(update_fields=["evaluation_delay_days", "evaluation_mode", "survey", "updated_at"])
    return product
