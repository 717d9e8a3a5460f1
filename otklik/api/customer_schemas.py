"""What the customer-base endpoints accept and return: customers, products, purchases and events by external id."""

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr, create_model, model_validator

from otklik.customers.models import EvaluationMode
from otklik.customers.services import MAX_BATCH
from otklik.messaging.channels import CHANNELS

ExternalId = Annotated[str, Field(min_length=1, max_length=100, description="Your system's id for the record.")]
EvaluationModeName = Enum("EvaluationModeName", {mode: mode for mode in EvaluationMode.values}, type=str)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class RecordIn(Schema):
    # A misspelt field ("emial") must not be silently dropped: the record would be stored without it.
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, value):
        # PostgreSQL cannot store NUL in text; refuse it as bad input rather than fail on it.
        if _has_nul(value):
            raise ValueError(_("Text must not contain NUL characters."))
        return value


class _CustomerContactsIn(RecordIn):
    external_id: ExternalId
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: StrictStr | StrictInt | None = Field(
        None, description="Any format: “+7 916 123-45-67”, “8 916…”; stored as digits."
    )
    telegram_chat_id: StrictStr | StrictInt | None = Field(
        None, description="The chat id of your Telegram bot with the customer."
    )
    language: str | None = Field(None, description="en, ru or uk.")


# One consent field per channel, named by the channel (messaging.channels): a new channel appears here by itself.
_CustomerConsentsIn = create_model(
    "_CustomerConsentsIn",
    __base__=_CustomerContactsIn,
    **{
        channel.consent_field: (StrictBool | None, Field(None, description=channel.api_consent_description))
        for channel in CHANNELS.values()
    },
)


class CustomerIn(_CustomerConsentsIn):
    """A customer. Fields you leave out keep their stored values; `null` clears a text field."""

    tags: list[Annotated[str, Field(max_length=60)]] | None = Field(
        None, max_length=100, description="The customer's tags; replaces the stored ones."
    )


class ProductIn(RecordIn):
    """A product or service of the catalogue, with its own moment to ask for an evaluation."""

    external_id: ExternalId
    name: str = Field(min_length=1, max_length=200)
    evaluation_delay_days: StrictInt | None = Field(None, description="Ask this many days after the purchase (0–365).")
    evaluation_mode: EvaluationModeName | None = Field(
        None, description="automatic: invite after the delay; manual: the manager chooses the day."
    )


class PurchaseLineIn(RecordIn):
    """One line of an order: a product, how many, at what price. A negative quantity is a return."""

    product_external_id: ExternalId
    product_name: str | None = Field(None, max_length=200)
    quantity: Decimal | None = Field(None, description="How many; 1 when left out; negative for a return.")
    unit_price: Decimal | None = Field(None, description="The price of one.")
    amount: Decimal | None = Field(None, description="The line's amount; quantity × unit_price when left out.")


class PurchaseIn(RecordIn):
    """An order (a purchase, a closed deal) with its lines. Unknown customers and products are created.

    Give the order's products either as `lines`, or for a one-line order as
    `product_external_id` (with `quantity`, `unit_price`, `amount`) on the order itself.
    Several records of a batch with the same `external_id` are lines of one order, as
    in a file. A re-sent order replaces its lines.
    """

    external_id: ExternalId = Field(description="The order's number in your system.")
    customer_external_id: ExternalId | None = Field(None, description="Leave out for an anonymous order.")
    product_external_id: ExternalId | None = None
    quantity: Decimal | None = Field(None, description="How many; 1 when left out; negative for a return.")
    unit_price: Decimal | None = None
    amount: Decimal | None = Field(None, description="The amount, e.g. 1250.50; quantity × unit_price when left out.")
    lines: list[PurchaseLineIn] | None = Field(None, min_length=1, max_length=1000)
    status: str | None = Field(
        None,
        max_length=60,
        description="cancelled, refunded, отменён, возврат, скасовано, повернення… mark the order as cancelled "
        "or returned: it takes revenue back and is never asked about. An order number prefixed C "
        "(C536379) is a cancellation too.",
    )
    currency: str | None = Field(None, description="Three letters: UAH, USD…; the organization's currency by default.")
    purchased_at: str = Field(
        max_length=40, description="ISO 8601 date or date-time (2026-11-05T14:30:00+03:00), or DD.MM.YYYY [HH:MM]."
    )
    location: str | None = Field(None, max_length=200, description="The name of one of your locations.")
    employee: str | None = Field(None, max_length=200, description="Who sold it, as your system names them.")
    customer_name: str | None = Field(None, max_length=200)
    customer_email: str | None = Field(None, max_length=254)
    customer_phone: StrictStr | StrictInt | None = None
    customer_language: str | None = None
    product_name: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def products_given_once(self):
        if (self.lines is None) == (self.product_external_id is None):
            raise ValueError(_("Give the order's products either as lines or as product_external_id, not both."))
        if self.lines is not None and any(
            value is not None for value in (self.quantity, self.unit_price, self.amount, self.product_name)
        ):
            raise ValueError(_("An order with lines takes quantity, prices and amounts in its lines."))
        return self

    def line_records(self) -> list[dict]:
        """The order as line records, each with the order's own fields, as customers.services takes them."""
        order = self.model_dump(mode="json", exclude_unset=True, exclude={"lines"})
        if self.lines is None:
            return [order]
        return [order | line.model_dump(mode="json", exclude_unset=True) for line in self.lines]


class EventIn(RecordIn):
    """Something that happened to a customer in another system ("trial_started")."""

    external_id: ExternalId
    customer_external_id: ExternalId
    name: str = Field(min_length=1, max_length=60)
    occurred_at: str | None = Field(None, max_length=40, description="ISO 8601; now when left out.")
    data: dict[str, Any] | None = None


def _batch(item: type) -> Any:
    return Annotated[list[item], Field(min_length=1, max_length=MAX_BATCH)]


class CustomerBatchIn(Schema):
    items: _batch(CustomerIn)


class ProductBatchIn(Schema):
    items: _batch(ProductIn)


class PurchaseBatchIn(Schema):
    items: _batch(PurchaseIn)


class EventBatchIn(Schema):
    items: _batch(EventIn)


class BatchOut(Schema):
    created: int
    updated: int
    unchanged: int


class RevenueOut(Schema):
    currency: str
    revenue: Decimal


class PurchasesSummaryOut(Schema):
    count: int = Field(description="Orders (not lines); returns and cancellations are not counted as orders.")
    revenue: Decimal = Field(
        description="Net revenue in `currency`, the organization's revenue currency: the orders' lines, "
        "less returns and cancellations."
    )
    currency: str
    by_currency: list[RevenueOut] = Field(
        description="Net revenue per currency, `currency` first; amounts in different currencies are never added."
    )
    revenue_share: float | None = Field(None, description="Percent of the organization's revenue.")
    first_at: datetime | None
    last_at: datetime | None


class _CustomerContactsOut(Schema):
    id: int
    external_id: str | None
    name: str
    email: str
    phone: str
    telegram_chat_id: str
    language: str


_CustomerConsentsOut = create_model(
    "_CustomerConsentsOut",
    __base__=_CustomerContactsOut,
    **{
        channel.consent_field: (bool, Field(description=channel.api_consent_description))
        for channel in CHANNELS.values()
    },
)


class CustomerOut(_CustomerConsentsOut):
    tags: list[str]
    segment: str = Field(description="RFM segment (champions, loyal, …); empty until computed.")
    rfm_recency: int | None
    rfm_frequency: int | None
    rfm_monetary: int | None
    customer_since: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class CustomerDetailOut(CustomerOut):
    """The customer with `summary` (customers.selectors.CustomerSummary) set on it."""

    purchases: PurchasesSummaryOut
    answer_count: int = Field(alias="summary.answer_count")
    case_count: int = Field(alias="summary.case_count")

    @staticmethod
    def resolve_purchases(customer) -> dict:
        summary = customer.summary
        return {
            "count": summary.purchase_count,
            "revenue": summary.revenue,
            "currency": summary.currency,
            "by_currency": [{"currency": code, "revenue": amount} for code, amount in summary.revenues],
            "revenue_share": summary.revenue_share,
            "first_at": summary.first_purchase_at,
            "last_at": summary.last_purchase_at,
        }


class ProductOut(Schema):
    id: int
    external_id: str
    name: str
    evaluation_delay_days: int
    evaluation_mode: str
    survey_id: int | None
    is_active: bool


class PurchaseLineOut(Schema):
    line_no: int
    product_external_id: str = Field(alias="product.external_id")
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal


class PurchaseOut(Schema):
    id: int
    external_id: str
    customer_external_id: str | None = None
    product_external_id: str = Field(
        alias="product.external_id", description="The product that decides the order's invitation."
    )
    amount: Decimal = Field(description="What the order adds to revenue, net (negative for a return).")
    currency: str
    status: str = Field(description="completed, cancelled or returned.")
    purchased_at: datetime
    location: str | None = None
    employee: str = Field(alias="employee_name")
    lines: list[PurchaseLineOut]

    @staticmethod
    def resolve_customer_external_id(purchase) -> str | None:
        return purchase.customer.external_id if purchase.customer_id else None

    @staticmethod
    def resolve_location(purchase) -> str | None:
        return purchase.location.name if purchase.location_id else None

    @staticmethod
    def resolve_lines(purchase) -> list:
        return list(purchase.lines.select_related("product").order_by("line_no"))


class EventOut(Schema):
    id: int
    external_id: str
    customer_external_id: str | None = Field(alias="customer.external_id")
    name: str
    occurred_at: datetime
    data: dict[str, Any]


class ErasureOut(Schema):
    erased: bool
    answers: int = Field(description="Answers kept (their scores) without the customer's words or contacts.")
    cases: int = Field(description="Cases kept without the customer's words or contacts.")
    messages_withdrawn: int = Field(description="Queued messages that will no longer be sent.")
    messages_scrubbed: int = Field(description="Messages whose text was removed.")
    invitations_cancelled: int = Field(description="Planned invitations cancelled.")
