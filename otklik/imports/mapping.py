"""Which file column holds which field: the fields of each kind and a guess from the header's names.

Headers are matched in English, Russian and Ukrainian as people and 1C name them
("Дата", "Сумма", "Клиент", "Телефон"). A strong name settles a field; a weak one
("Клиент" may be a code or a name) takes the first of its fields still free, so
"Код клиента" + "Клиент" give the code and the name.

The fields of each kind and the names each is known by are in mapping_fields; here are the guess
from a header and the mapping step's helpers (a mapping given on the command line, its problems,
the fields' labels).
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from otklik.imports.cleaning import plain_number
from otklik.imports.mapping_fields import FIELDS
from otklik.imports.mapping_fields import KINDS as KINDS
from otklik.imports.mapping_fields import field_names as field_names
from otklik.imports.mapping_fields import required_fields as required_fields
from otklik.messaging.channels import CHANNELS

# Shop exports whose columns mean something else than the same name elsewhere, told by columns only
# they have. Shopify's orders export: "Name" is the order number (#1001), the customer is known by
# "Email" only, and "Total" is the order's total on its first line alone (left out: a line's amount is
# its quantity times its price).
PROFILES: list[tuple[frozenset[str], dict[str, str]]] = [
    (
        frozenset({"lineitem quantity", "lineitem name"}),
        {
            "name": "external_id",
            "email": "customer_external_id",
            "created at": "purchased_at",
            "billing name": "customer_name",
            "lineitem sku": "product_external_id",
            "lineitem name": "product_name",
            "lineitem quantity": "quantity",
            "lineitem price": "unit_price",
            "financial status": "status",
            "total": "",
            "subtotal": "",
        },
    ),
    # Wildberries' reports (the seller portal's in Russian, the statistics API's in English): the warehouse is
    # the marketplace's, not one of the shop's locations (each would be refused as unknown).
    (frozenset({"артикул поставщика", "баркод"}), {"склад": ""}),
    (frozenset({"supplier article", "srid"}), {"warehouse name": ""}),
    # Amazon's order reports: "item-price" is the line's price for all its quantity, not one piece's.
    (frozenset({"amazon order id", "asin"}), {"item price": "amount"}),
    # OpenCart's own names (order_id, date_added, model): "name" is the product's, "customer" the buyer's name.
    (
        frozenset({"order id", "date added", "model"}),
        {"customer": "customer_name", "name": "product_name", "model": "product_external_id"},
    ),
]


CAMEL = re.compile(r"(?<=[a-zа-яё0-9])(?=[A-ZА-ЯЁ])|(?<=[A-ZА-ЯЁ])(?=[A-ZА-ЯЁ][a-zа-яё])")


def normalize_header(name: object) -> str:
    """ "Дата_Покупки " → "дата покупки", "InvoiceNo" → "invoice no", "CustomerID" → "customer id":
    camel case split, lower case, ё as е, separators as single spaces."""
    text = CAMEL.sub(" ", str(name or "").replace("\ufeff", "").strip())
    text = text.lower().replace("ё", "е").replace("’", "'")
    # "E-mail" is as common as "email" in headers; one spelling keeps the name lists short.
    text = text.replace("e-mail", "email")
    # "№ заказа" is "номер заказа", as 1C and InSales write it; a "№" alone is a report's line number.
    text = re.sub(r"№\s*(?=[^\W\d_])", " номер ", text)
    text = re.sub(r"[\s_\-.,;:/\\()#№]+", " ", text).strip()
    # "Ціна, грн", "Сумма (руб.)", "Price USD": the currency a column's amounts are in is not its name.
    return CURRENCY_SUFFIX.sub("", text) or text


HEADER_CURRENCIES = {"грн": "UAH", "uah": "UAH", "₴": "UAH", "руб": "RUB", "р": "RUB", "rub": "RUB", "₽": "RUB"}
HEADER_CURRENCIES |= {"usd": "USD", "$": "USD", "eur": "EUR", "€": "EUR"}
CURRENCY_SUFFIX = re.compile(r" (" + "|".join(re.escape(word) for word in HEADER_CURRENCIES) + ")$")


def header_currency(header: list[str], mapping: dict[str, int]) -> tuple[str, str]:
    """(currency, column) when a purchases file's amount or price column names its currency ("Ціна, грн" → UAH).

    ("", "") when neither does. Used only where no column holds the currency (services.import_file).
    """
    for field in ("amount", "unit_price"):
        index = mapping.get(field)
        if index is None or index >= len(header):
            continue
        name = str(header[index] or "").replace("\ufeff", "").strip().lower()
        match = CURRENCY_SUFFIX.search(re.sub(r"[\s_\-.,;:/\\()#№]+", " ", name).strip())
        if match:
            return HEADER_CURRENCIES[match.group(1)], str(header[index]).strip()
    return "", ""


def guess_mapping(kind: str, header: list[str], samples: list[list] | None = None) -> dict[str, int]:
    """Field name → column index (0-based) guessed from the header; unknown columns stay unmapped.

    `samples` (the first rows, as read_start gives them) settle what a weakly named customer
    column holds: names, or ids (_customer_by_contact).
    """
    names = [normalize_header(name) for name in header]
    mapping: dict[str, int] = {}
    taken: set[int] = set()

    def assign(field: str, index: int) -> None:
        mapping[field] = index
        taken.add(index)

    # A known shop export's own meanings first, then each field's own name ("customer_external_id"),
    # then strong names, then weak ones.
    known = set(field_names(kind))
    for markers, columns in PROFILES if kind == "purchases" else []:
        if markers <= set(names):
            for index, name in enumerate(names):
                field = columns.get(name)
                if field in known and field not in mapping and index not in taken:
                    assign(field, index)
                elif field == "":
                    taken.add(index)
    for item in FIELDS[kind]:
        own = normalize_header(item.name)
        if item.name not in mapping and own in names and names.index(own) not in taken:
            assign(item.name, names.index(own))
    for item in FIELDS[kind]:
        if item.name in mapping:
            continue
        for index, name in enumerate(names):
            if index not in taken and name in item.strong:
                assign(item.name, index)
                break
    weak: set[str] = set()
    for index, name in enumerate(names):
        if index in taken:
            continue
        for item in FIELDS[kind]:
            if item.name not in mapping and name in item.weak:
                assign(item.name, index)
                weak.add(item.name)
                break
    if kind == "purchases":
        _customer_by_contact(mapping, weak, samples or [])
        _order_total_left_out(mapping, samples or [])
    return mapping


def _order_total_left_out(mapping: dict[str, int], samples: list[list]) -> None:
    """An amount column that repeats the order's total on each of its lines (Wix's and many shops' "Total") is
    not the line's amount: left out, so a line is its quantity times its price, as for Shopify's "Total".

    Told from the first rows: an order with two lines or more whose amounts are all the same
    while a line's quantity × price is not that amount. Without such an order in them the
    column stays the amount.
    """
    columns = [mapping.get(name) for name in ("external_id", "amount", "quantity", "unit_price")]
    if None in columns:
        return
    order, amount, quantity, price = columns
    lines: dict[str, list[list]] = {}
    for row in samples:
        if len(row) > max(columns) and str(row[order] or "").strip():
            lines.setdefault(str(row[order]).strip(), []).append(row)
    for rows in lines.values():
        if len(rows) < 2 or len({str(row[amount]).strip() for row in rows}) != 1:
            continue
        try:
            total = Decimal(plain_number(rows[0][amount]) or "x")
            products = [
                Decimal(plain_number(row[quantity]) or "x") * Decimal(plain_number(row[price]) or "x") for row in rows
            ]
        except (InvalidOperation, TypeError):
            continue
        if any(product != total for product in products):
            del mapping["amount"]
            return


def _names_only(samples: list[list], index: int) -> bool:
    """Whether the column's first values are all names: letters and spaces, no digit, no @ (one value at least)."""
    values = [str(row[index]).strip() for row in samples if index < len(row) and str(row[index] or "").strip()]
    return bool(values) and not any("@" in value or any(c.isdigit() for c in value) for value in values)


def _customer_by_contact(mapping: dict[str, int], weak: set[str], samples: list[list]) -> None:
    """A shop that knows its customers by e-mail or phone only (InSales, Shopify, Prom, Rozetka): that is the id.

    A column named only "Покупець" / "Customer" beside an e-mail or a phone, whose first
    values are names ("Олена"), holds the customer's name, not an id (two Оленas are not one
    customer): it becomes the name. Holding codes, e-mails or phones, it stays the id.
    cleaning.purchase_preparer keeps an e-mail id as the e-mail too, and a row whose id is
    empty takes its e-mail or phone as the id.
    """
    contact = "customer_email" in mapping or "customer_phone" in mapping
    column = mapping.get("customer_external_id")
    if "customer_external_id" in weak and contact and "customer_name" not in mapping and _names_only(samples, column):
        mapping["customer_name"] = mapping.pop("customer_external_id")
    if "customer_external_id" not in mapping and "customer_email" in mapping:
        mapping["customer_external_id"] = mapping.pop("customer_email")
    elif "customer_external_id" not in mapping and "customer_phone" in mapping:
        mapping["customer_external_id"] = mapping.pop("customer_phone")


class MappingError(ValueError):
    pass


def parse_mapping(kind: str, header: list[str], spec: str, samples: list[list] | None = None) -> dict[str, int]:
    """`col=field,…` from the command line (a column by its header name or 1-based number), over the guess.

    A field named explicitly takes its column away from whatever the guess gave it;
    `col=` (no field) leaves that column out.
    """
    mapping = guess_mapping(kind, header, samples)
    names = [normalize_header(name) for name in header]
    known = set(field_names(kind))
    for part in filter(None, (piece.strip() for piece in spec.split(","))):
        column, sep, field = part.partition("=")
        column, field = column.strip(), field.strip()
        if not sep:
            raise MappingError(_("“%(part)s” is not column=field") % {"part": part})
        if column.isdigit() and 1 <= int(column) <= len(header):
            index = int(column) - 1
        elif normalize_header(column) in names:
            index = names.index(normalize_header(column))
        else:
            raise MappingError(_("The file has no column “%(column)s”") % {"column": column})
        mapping = {key: value for key, value in mapping.items() if value != index}
        if field:
            if field not in known:
                raise MappingError(
                    _("Unknown field “%(field)s”; the fields are: %(fields)s")
                    % {"field": field, "fields": ", ".join(field_names(kind))}
                )
            mapping[field] = index
    return mapping


def mapping_problems(kind: str, mapping: dict[str, int]) -> list[str]:
    """Reasons a mapping cannot be used: a required field without a column, a column used twice."""
    required = required_fields(kind)
    if kind == "purchases" and "product_name" in mapping:
        # A product without a code is named by its name (cleaning.purchase_preparer): Stripe's payments and
        # Tilda's orders have a description, no code.
        required = [name for name in required if name != "product_external_id"]
    if kind == "customers" and ("email" in mapping or "phone" in mapping):
        # A list of people without ids: each known by e-mail, else phone (cleaning.customer_preparer).
        required = [name for name in required if name != "external_id"]
    problems = [
        _("No column is chosen for the required field “%(field)s”.") % {"field": name}
        for name in required
        if name not in mapping
    ]
    if len(set(mapping.values())) != len(mapping):
        problems.append(_("A column is chosen for more than one field."))
    return problems


FIELD_LABELS = {
    "external_id": _("id in your system (for purchases: the order number)"),
    "name": _("name"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "telegram_chat_id": _("Telegram chat id"),
    "language": _("language (en, ru, uk)"),
    **{channel.consent_field: channel.consent_label for channel in CHANNELS.values()},
    "tags": _("tags"),
    "evaluation_delay_days": _("ask after (days)"),
    "evaluation_mode": _("evaluation mode (automatic, manual)"),
    "customer_external_id": _("customer's id"),
    "product_external_id": _("product's id"),
    "amount": _("line amount"),
    "quantity": _("quantity"),
    "unit_price": _("unit price"),
    "status": _("order status (cancelled, returned…)"),
    "document_type": _("document type (sale or return: a return's lines are taken off revenue)"),
    "refunded_amount": _("refunded amount (once per order: taken off its revenue)"),
    "cancelled_at": _("cancelled at (any value but no: the order is cancelled)"),
    "currency": _("currency"),
    "purchased_at": _("date"),
    "location": _("location"),
    "employee": _("employee"),
    "customer_name": _("customer's name"),
    "customer_last_name": _("customer's last name (joined to the name)"),
    "last_name": _("last name (joined to the name)"),
    "purchased_time": _("time of day (joined to a date written without one)"),
    "customer_email": _("customer's e-mail"),
    "customer_phone": _("customer's phone"),
    "customer_language": _("customer's language"),
    "product_name": _("product's name"),
    "source": _("source (hotline, paper_book, visit, review_site, other)"),
    "content": _("complaint text"),
    "severity": _("severity (low, medium, high, critical)"),
    "received_at": _("date received"),
}


def field_choices(kind: str) -> list[tuple[str, str]]:
    """(field, "label (field)*") for a select; the star marks a required field."""
    return [
        (item.name, f"{FIELD_LABELS[item.name]} · {item.name}{' *' if item.required else ''}") for item in FIELDS[kind]
    ]
