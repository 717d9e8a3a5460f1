"""Which file column holds which field: the fields of each kind and a guess from the header's names.

Headers are matched in English, Russian and Ukrainian as people and 1C name them
("Дата", "Сумма", "Клиент", "Телефон"). A strong name settles a field; a weak one
("Клиент" may be a code or a name) takes the first of its fields still free, so
"Код клиента" + "Клиент" give the code and the name.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

KINDS = {"customers": _("Customers"), "products": _("Products"), "purchases": _("Purchases")}


@dataclass(frozen=True)
class Field:
    name: str
    required: bool
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()


EMAIL = ("email", "e mail", "mail", "почта", "эл почта", "электронная почта", "адрес почты", "пошта", "ел пошта")
PHONE = ("phone", "phone number", "mobile", "tel", "телефон", "тел", "мобильный", "мобильный телефон", "мобільний")
LANGUAGE = ("language", "lang", "язык", "мова")

FIELDS: dict[str, list[Field]] = {
    "customers": [
        Field(
            "external_id",
            True,
            (
                "id",
                "code",
                "customer id",
                "client id",
                "customer code",
                "код",
                "код клиента",
                "id клиента",
                "код контрагента",
                "код клієнта",
                "id клієнта",
            ),
        ),
        Field(
            "name",
            False,
            ("full name", "customer name", "client name", "фио", "имя", "имя клиента", "піб", "ім я", "ім'я"),
            (
                "name",
                "customer",
                "client",
                "клиент",
                "покупатель",
                "контрагент",
                "наименование",
                "клієнт",
                "покупець",
                "назва",
            ),
        ),
        Field("email", False, EMAIL),
        Field("phone", False, PHONE),
        Field("telegram_chat_id", False, ("telegram", "telegram id", "chat id", "телеграм", "телеграм id")),
        Field("language", False, LANGUAGE),
        Field("consent_email", False, ("email consent", "согласие email", "согласие на email", "згода email")),
        Field("consent_sms", False, ("sms consent", "согласие sms", "согласие на sms", "згода sms")),
        Field("consent_telegram", False, ("telegram consent", "согласие telegram", "згода telegram")),
        Field("tags", False, ("tags", "labels", "теги", "метки", "мітки"), ("group", "группа", "група")),
    ],
    "products": [
        Field(
            "external_id",
            True,
            (
                "id",
                "sku",
                "code",
                "article",
                "product id",
                "код",
                "артикул",
                "код товара",
                "код номенклатуры",
                "код товару",
            ),
        ),
        Field(
            "name",
            True,
            ("title", "product name", "наименование", "название", "назва", "найменування"),
            ("name", "product", "item", "товар", "номенклатура", "услуга", "послуга"),
        ),
        Field(
            "evaluation_delay_days",
            False,
            (
                "evaluation delay",
                "delay",
                "delay days",
                "days",
                "задержка",
                "дней",
                "через сколько дней",
                "затримка",
                "днів",
            ),
        ),
        Field("evaluation_mode", False, ("mode", "evaluation", "режим", "режим оценки", "режим оцінки")),
    ],
    "purchases": [
        Field(
            "external_id",
            True,
            (
                "id",
                "purchase id",
                "order id",
                "order",
                "receipt",
                "document",
                "номер",
                "номер документа",
                "номер заказа",
                "номер чека",
                "чек",
                "документ",
                "заказ",
                "id покупки",
                "номер замовлення",
                "замовлення",
                "номер чеку",
            ),
        ),
        Field(
            "customer_external_id",
            True,
            (
                "customer id",
                "client id",
                "customer code",
                "client code",
                "код клиента",
                "id клиента",
                "код контрагента",
                "код покупателя",
                "код клієнта",
                "id клієнта",
                "код покупця",
            ),
            ("customer", "client", "клиент", "покупатель", "контрагент", "клієнт", "покупець"),
        ),
        Field(
            "product_external_id",
            True,
            (
                "product id",
                "sku",
                "article",
                "item id",
                "артикул",
                "код товара",
                "код номенклатуры",
                "код товару",
                "код услуги",
                "код послуги",
            ),
            ("product", "item", "товар", "номенклатура", "услуга", "послуга"),
        ),
        Field(
            "amount",
            False,
            (
                "amount",
                "sum",
                "total",
                "price",
                "сумма",
                "стоимость",
                "итого",
                "цена",
                "сума",
                "вартість",
                "ціна",
                "разом",
            ),
        ),
        Field("currency", False, ("currency", "валюта")),
        Field(
            "purchased_at",
            True,
            (
                "date",
                "datetime",
                "time",
                "purchase date",
                "дата",
                "дата покупки",
                "дата продажи",
                "дата документа",
                "период",
                "дата и время",
                "дата продажу",
                "дата і час",
                "період",
            ),
        ),
        Field(
            "location",
            False,
            (
                "location",
                "store",
                "shop",
                "branch",
                "магазин",
                "точка",
                "торговая точка",
                "филиал",
                "подразделение",
                "склад",
                "філія",
                "підрозділ",
            ),
        ),
        Field(
            "employee",
            False,
            (
                "employee",
                "seller",
                "cashier",
                "salesperson",
                "продавец",
                "менеджер",
                "кассир",
                "сотрудник",
                "ответственный",
                "продавець",
                "касир",
                "працівник",
                "відповідальний",
            ),
            ("manager",),
        ),
        Field(
            "customer_name",
            False,
            ("customer name", "client name", "фио", "имя клиента", "наименование клиента", "піб", "ім я клієнта"),
            ("customer", "client", "клиент", "покупатель", "контрагент", "клієнт", "покупець", "name", "имя"),
        ),
        Field("customer_email", False, EMAIL + ("customer email", "client email")),
        Field("customer_phone", False, PHONE + ("customer phone", "client phone", "телефон клиента")),
        Field("customer_language", False, LANGUAGE),
        Field(
            "product_name",
            False,
            ("product name", "item name", "наименование товара", "название товара", "назва товару"),
            ("product", "item", "товар", "номенклатура", "услуга", "послуга", "наименование", "найменування"),
        ),
    ],
}


def field_names(kind: str) -> list[str]:
    return [item.name for item in FIELDS[kind]]


def required_fields(kind: str) -> list[str]:
    return [item.name for item in FIELDS[kind] if item.required]


def normalize_header(name: object) -> str:
    """ "Дата_Покупки " → "дата покупки": lower case, ё as е, separators as single spaces."""
    text = str(name or "").replace("\ufeff", "").strip().lower().replace("ё", "е")
    # "E-mail" is as common as "email" in headers; one spelling keeps the name lists short.
    text = text.replace("e-mail", "email")
    return re.sub(r"[\s_\-.:/\\()#№]+", " ", text).strip()


def guess_mapping(kind: str, header: list[str]) -> dict[str, int]:
    """Field name → column index (0-based) guessed from the header; unknown columns stay unmapped."""
    names = [normalize_header(name) for name in header]
    mapping: dict[str, int] = {}
    taken: set[int] = set()

    def assign(field: str, index: int) -> None:
        mapping[field] = index
        taken.add(index)

    # The field's own name first ("customer_external_id"), then strong names, then weak ones.
    for item in FIELDS[kind]:
        own = normalize_header(item.name)
        if own in names and names.index(own) not in taken:
            assign(item.name, names.index(own))
    for item in FIELDS[kind]:
        if item.name in mapping:
            continue
        for index, name in enumerate(names):
            if index not in taken and name in item.strong:
                assign(item.name, index)
                break
    for index, name in enumerate(names):
        if index in taken:
            continue
        for item in FIELDS[kind]:
            if item.name not in mapping and name in item.weak:
                assign(item.name, index)
                break
    return mapping


class MappingError(ValueError):
    pass


def parse_mapping(kind: str, header: list[str], spec: str) -> dict[str, int]:
    """`col=field,…` from the command line (a column by its header name or 1-based number), over the guess.

    A field named explicitly takes its column away from whatever the guess gave it;
    `col=` (no field) leaves that column out.
    """
    mapping = guess_mapping(kind, header)
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
    problems = [
        _("No column is chosen for the required field “%(field)s”.") % {"field": name}
        for name in required_fields(kind)
        if name not in mapping
    ]
    if len(set(mapping.values())) != len(mapping):
        problems.append(_("A column is chosen for more than one field."))
    return problems


FIELD_LABELS = {
    "external_id": _("id in your system"),
    "name": _("name"),
    "email": _("e-mail"),
    "phone": _("phone"),
    "telegram_chat_id": _("Telegram chat id"),
    "language": _("language (en, ru, uk)"),
    "consent_email": _("may be asked by e-mail"),
    "consent_sms": _("may be asked by SMS"),
    "consent_telegram": _("may be asked in Telegram"),
    "tags": _("tags"),
    "evaluation_delay_days": _("ask after (days)"),
    "evaluation_mode": _("evaluation mode (automatic, manual)"),
    "customer_external_id": _("customer's id"),
    "product_external_id": _("product's id"),
    "amount": _("amount"),
    "currency": _("currency"),
    "purchased_at": _("date"),
    "location": _("location"),
    "employee": _("employee"),
    "customer_name": _("customer's name"),
    "customer_email": _("customer's e-mail"),
    "customer_phone": _("customer's phone"),
    "customer_language": _("customer's language"),
    "product_name": _("product's name"),
}


def field_choices(kind: str) -> list[tuple[str, str]]:
    """(field, "label (field)*") for a select; the star marks a required field."""
    return [
        (item.name, f"{FIELD_LABELS[item.name]} · {item.name}{' *' if item.required else ''}") for item in FIELDS[kind]
    ]
