"""Writes for the customer base: validate and upsert customers, products, purchases and events.

One validator per kind turns a raw record (from the API, a CSV/XLSX row or a
nightly exchange file) into clean field values or a list of reasons; one upsert
per kind stores a batch keyed by the records' external ids. Pushing the same
batch twice changes nothing; a changed record updates the stored one.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Membership, Organization
from otklik.customers.models import Customer, CustomerEvent, EvaluationMode, Product, Purchase, Tag

MAX_BATCH = 10_000
TRUE_WORDS = {"1", "true", "yes", "y", "да", "так", "on", "+"}
FALSE_WORDS = {"0", "false", "no", "n", "нет", "ні", "off", "-", ""}

CUSTOMER_FIELDS = [
    "name",
    "email",
    "phone",
    "telegram_chat_id",
    "language",
    "consent_email",
    "consent_sms",
    "consent_telegram",
]
PRODUCT_FIELDS = ["name", "evaluation_delay_days", "evaluation_mode"]
PURCHASE_FIELDS = ["customer_id", "product_id", "amount", "currency", "purchased_at", "location_id", "employee_name"]


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


def _organization_tz(organization: Organization):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(organization.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


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
    for channel in ["email", "sms", "telegram"]:
        consent = _flag(record, f"consent_{channel}", reasons)
        if consent is not None:
            clean[f"consent_{channel}"] = consent
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


def purchase_clean(record: dict, *, tz, locations: dict[str, int]) -> dict:
    """Clean purchase fields, or raise RowError. `locations` maps lower-cased location names to ids.

    A purchase names its customer and product by external id and may carry their
    names and contacts inline (as exchange files from accounting systems do).
    """
    reasons: list[str] = []
    clean: dict = {"external_id": _text(record, "external_id", 100)}
    if not clean["external_id"]:
        reasons.append(_("external_id is required"))
    clean["customer_external_id"] = _text(record, "customer_external_id", 100)
    if not clean["customer_external_id"]:
        reasons.append(_("customer_external_id is required"))
    clean["product_external_id"] = _text(record, "product_external_id", 100)
    if not clean["product_external_id"]:
        reasons.append(_("product_external_id is required"))
    raw_amount = record.get("amount")
    try:
        amount = (
            Decimal(str(raw_amount).strip().replace(" ", "").replace(",", "."))
            if raw_amount not in (None, "")
            else Decimal(0)
        )
        if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
            raise InvalidOperation
        clean["amount"] = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        reasons.append(_("amount “%(value)s” is not a number") % {"value": raw_amount})
    currency = _text(record, "currency", 10).upper() or "RUB"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        reasons.append(_("currency must be a three-letter code such as RUB, UAH or USD"))
    clean["currency"] = currency
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
    inline_customer = {
        key.removeprefix("customer_"): record[key]
        for key in ["customer_name", "customer_email", "customer_phone", "customer_language"]
        if key in record
    }
    inline_customer["external_id"] = clean["customer_external_id"] or "-"
    try:
        clean["customer"] = customer_clean(inline_customer)
    except RowError as exc:
        reasons.extend(exc.reasons)
    clean["product"] = {"external_id": clean["product_external_id"], "name": _text(record, "product_name", 200)}
    if reasons:
        raise RowError(reasons)
    return clean


@dataclass
class UpsertResult:
    """What a batch did: counts, and the reasons for each refused record by its position (1-based)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: dict[int, list[str]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)

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


def customers_upsert(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Validate and store customers; nothing is written when any record is invalid."""
    rows, errors = _validate_batch(records, customer_clean)
    if errors:
        return UpsertResult(errors=errors)
    from otklik.customers.privacy import erased_external_ids

    erased = erased_external_ids(organization=organization, external_ids=[row["external_id"] for row in rows])
    if erased:
        # A customer erased on request stays erased: the CRM's next push brings no contacts back.
        rows = [{"external_id": row["external_id"]} if row["external_id"] in erased else row for row in rows]
    with transaction.atomic():
        result = _upsert(Customer, organization=organization, rows=rows, fields=CUSTOMER_FIELDS)
        tagged = {pk: row["tags"] for pk, row in zip(result.ids, rows, strict=True) if "tags" in row}
        if tagged:
            _set_tags(organization=organization, customers=tagged)
    return result


def products_upsert(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Validate and store catalogue items; nothing is written when any record is invalid."""
    rows, errors = _validate_batch(records, product_clean)
    for number, record in enumerate(records, start=1):
        if not _text(record, "name", 200) and number not in errors:
            errors[number] = [_("name is required")]
    if errors:
        return UpsertResult(errors=errors)
    with transaction.atomic():
        return _upsert(Product, organization=organization, rows=rows, fields=PRODUCT_FIELDS)


def location_ids(organization: Organization) -> dict[str, int]:
    """Location names (lower case) → ids, for matching the location column of purchase files."""
    return {
        name.lower(): pk for pk, name in Location.objects.filter(organization=organization).values_list("pk", "name")
    }


def purchases_upsert(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Validate and store purchases with the customers and products they name.

    A customer or product not seen before is created from the inline columns
    (name, e-mail, phone; product name), so a file from accounting needs no
    separate customer file. Nothing is written when any record is invalid.
    """
    tz, locations = _organization_tz(organization), location_ids(organization)
    rows, errors = _validate_batch(records, lambda record: purchase_clean(record, tz=tz, locations=locations))
    if errors:
        return UpsertResult(errors=errors)
    with transaction.atomic():
        customer_ids = _ensure_related(Customer, organization, [row["customer"] for row in rows], CUSTOMER_FIELDS)
        product_ids = _ensure_related(Product, organization, [row["product"] for row in rows], ["name"])
        for row in rows:
            row["customer_id"] = customer_ids[row["customer_external_id"]]
            row["product_id"] = product_ids[row["product_external_id"]]
        result = _upsert(Purchase, organization=organization, rows=rows, fields=PURCHASE_FIELDS)
        purchases_changed(organization=organization, purchase_ids=result.ids)
    return result


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


def purchases_changed(*, organization: Organization, purchase_ids: list[int]) -> None:
    """Hook run in the same transaction after purchases are stored (sellers matched, invitations scheduled)."""
    # Imported here so that the customer base does not need outreach (which builds on it) at import time.
    from otklik.outreach.services import invitations_schedule

    purchases_match_sellers(organization=organization, purchases=Purchase.objects.filter(pk__in=purchase_ids))
    invitations_schedule(organization=organization, purchase_ids=purchase_ids)


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


def purchases_changed_in_table(*, organization: Organization, table: str) -> None:
    """`purchases_changed` for purchases listed in a table (PostgreSQL's import fast path), in the transaction.

    The table holds one row per stored or changed purchase: id, created, customer_id,
    product_id and purchased_at, as stored (see outreach.services.invitations_schedule_changed).
    """
    from django.db.models.expressions import RawSQL

    from otklik.outreach.services import invitations_schedule_changed

    changed = Purchase.objects.filter(pk__in=RawSQL(f"SELECT id FROM {table}", []))  # noqa: S608 - our own temp table
    purchases_match_sellers(organization=organization, purchases=changed)
    invitations_schedule_changed(organization=organization, table=table)


def events_record(*, organization: Organization, records: list[dict]) -> UpsertResult:
    """Store customer events ("trial_started") keyed by external id, for complaint hunting (B5)."""
    if len(records) > MAX_BATCH:
        raise ValidationError(_("At most %(n)s records per request.") % {"n": MAX_BATCH})
    tz = _organization_tz(organization)
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
    with transaction.atomic():
        customer_ids = _ensure_related(
            Customer, organization, [{"external_id": row["customer_external_id"]} for row in rows], CUSTOMER_FIELDS
        )
        for row in rows:
            row["customer_id"] = customer_ids[row["customer_external_id"]]
        return _upsert(
            CustomerEvent, organization=organization, rows=rows, fields=["customer_id", "name", "occurred_at", "data"]
        )


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
