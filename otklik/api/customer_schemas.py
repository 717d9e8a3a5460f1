"""What the customer-base endpoints accept and return: customers, products, purchases and events by external id."""

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr, model_validator

from otklik.customers.models import EvaluationMode
from otklik.customers.services import MAX_BATCH

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


class CustomerIn(RecordIn):
    """A customer. Fields you leave out keep their stored values; `null` clears a text field."""

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
    consent_email: StrictBool | None = Field(None, description="May be asked for an evaluation by e-mail.")
    consent_sms: StrictBool | None = None
    consent_telegram: StrictBool | None = None
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


class PurchaseIn(RecordIn):
    """A purchase or closed deal. A customer or product not seen before is created from the inline fields."""

    external_id: ExternalId
    customer_external_id: ExternalId
    product_external_id: ExternalId
    amount: Decimal | None = Field(None, description="The amount, e.g. 1250.50.")
    currency: str | None = Field(None, description="Three letters: RUB (the default), UAH, USD…")
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


class PurchasesSummaryOut(Schema):
    count: int
    revenue: Decimal = Field(description="Sum of the purchases in `currency`, the organization's revenue currency.")
    currency: str
    revenue_share: float | None = Field(None, description="Percent of the organization's revenue.")
    first_at: datetime | None
    last_at: datetime | None


class CustomerOut(Schema):
    id: int
    external_id: str | None
    name: str
    email: str
    phone: str
    telegram_chat_id: str
    language: str
    consent_email: bool
    consent_sms: bool
    consent_telegram: bool
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


class PurchaseOut(Schema):
    id: int
    external_id: str
    customer_external_id: str | None = Field(alias="customer.external_id")
    product_external_id: str = Field(alias="product.external_id")
    amount: Decimal
    currency: str
    purchased_at: datetime
    location: str | None = None
    employee: str = Field(alias="employee_name")

    @staticmethod
    def resolve_location(purchase) -> str | None:
        return purchase.location.name if purchase.location_id else None


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
