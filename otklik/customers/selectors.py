"""Reads of the customer base, always scoped to what the member may see.

Owners, managers and viewers see every customer of their organization. An
employee sees the customers who bought, answered or complained at one of their
locations (so every case they work links to a card they can open), and on a
card only the answers and cases of their locations; the customer's totals
(revenue, purchases, counts) are the organization's, because that is who the
customer is.

The customer base sits below surveys and cases (their answers and cases point at a
customer), so it imports neither: it reads them through the reverse relations
(`customer.responses`, `customer.cases`) and the string references `surveys.Response`
and `cases.Case`, and a scale's complaint range from the survey an answer belongs to
(`Survey.spec`).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, DecimalField, F, IntegerField, Max, Min, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from otklik.accounts.models import Membership, Organization
from otklik.accounts.selectors import visible_locations
from otklik.customers.models import Customer, OrderStatus, Product, Purchase, Tag
from otklik.customers.money import cents, organization_revenue, revenue_by_currency, revenue_currency, revenue_share
from otklik.customers.segments import segment_label
from otklik.customers.services import normalize_phone
from otklik.messaging.channels import CHANNELS


@dataclass(frozen=True)
class ChannelContact:
    """One channel's line on the customer card: the address, whether it works, and the consent."""

    label: str
    address_label: str
    address_field: str
    address: str
    link: str
    undeliverable: bool
    consent: bool


def customer_contacts(*, customer: Customer) -> list[ChannelContact]:
    """The customer's address and consent for every channel, in the channels' order."""
    contacts = []
    for channel in CHANNELS.values():
        address = channel.address_of(customer)
        contacts.append(
            ChannelContact(
                label=channel.label,
                address_label=channel.address_label,
                address_field=channel.address_field,
                address=channel.address_shown(address) if address else "",
                link=channel.address_link(address) if address else "",
                undeliverable=bool(address) and getattr(customer, channel.undeliverable_field) is not None,
                consent=bool(getattr(customer, channel.consent_field)),
            )
        )
    return contacts


PHONE_LIKE = re.compile(r"[\d\s+()\-.]+")

SORTS = {
    "name": ["name", "external_id", "id"],
    "revenue": ["-revenue", "name", "external_id", "id"],
    "recent": [F("last_purchase_at").desc(nulls_last=True), "name", "external_id", "id"],
}
# A yes/no answer about readiness to complain says nothing about loyalty.
NOT_LOYALTY = "readiness"
TIMELINE_LIMIT = 100


def _answers():
    return apps.get_model("surveys", "Response").objects


def _cases():
    return apps.get_model("cases", "Case").objects


def loyalty_scales(*, organization: Organization) -> dict[str, Any]:
    """The scales of the organization's loyalty surveys by kind code (each a `surveys.kinds.SurveyKind`).

    Read from its surveys: every answer it holds belongs to one of them, so these are all the scales it needs.
    """
    surveys = organization.surveys.exclude(kind=NOT_LOYALTY).only("id", "kind")
    return {survey.kind: survey.spec for survey in surveys}


def detractor_q(*, scales: dict[str, Any], kind: str = "kind", score: str = "score") -> Q:
    """An answer in its scale's complaint range: NPS 0–6 (a detractor), CSAT 1–2, CES 5–7, grade 1–3.

    `scales` maps kind codes to their scales (see `loyalty_scales`).
    """
    condition = Q(pk__in=[])
    for code, spec in sorted(scales.items()):
        lookup = "lte" if spec.case_when == "lte" else "gte"
        condition |= Q(**{kind: code, f"{score}__{lookup}": spec.case_threshold})
    return condition


def is_detractor(response: Model) -> bool:
    """Whether one answer (a `surveys.Response`) falls in its scale's complaint range (see `detractor_q`)."""
    if response.kind == NOT_LOYALTY:
        return False
    spec = response.survey.spec  # the answer's kind is its survey's
    return response.score <= spec.case_threshold if spec.case_when == "lte" else response.score >= spec.case_threshold


def customers_visible(*, membership: Membership) -> QuerySet[Customer]:
    """The organization's customers this member may see (see the module docstring)."""
    customers = Customer.objects.filter(organization=membership.organization)
    if membership.sees_whole_organization:
        return customers
    locations = visible_locations(membership=membership)
    return customers.filter(
        Q(pk__in=Purchase.objects.filter(location__in=locations).values("customer_id"))
        | Q(pk__in=_answers().filter(location__in=locations, customer__isnull=False).values("customer_id"))
        | Q(pk__in=_cases().filter(location__in=locations, customer__isnull=False).values("customer_id"))
    )


def customer_get(*, membership: Membership, customer_id: int) -> Customer:
    """One customer the member may see; Http404 for any other."""
    customer = customers_visible(membership=membership).filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer.")
    return customer


def customer_by_external_id(*, membership: Membership, external_id: str) -> Customer | None:
    return customers_visible(membership=membership).filter(external_id=external_id).first()


def purchase_by_external_id(*, membership: Membership, external_id: str) -> Purchase | None:
    """One order the member may see (employees: at their locations), with its customer and place."""
    orders = Purchase.objects.filter(organization=membership.organization, external_id=external_id)
    if not membership.sees_whole_organization:
        orders = orders.filter(location__in=visible_locations(membership=membership))
    return orders.select_related("customer", "product", "location").first()


def _with_figures(customers: QuerySet[Customer], *, currency: str) -> QuerySet[Customer]:
    # Correlated subqueries, not joins: a join with tags or answers would multiply the sums.
    purchases = Purchase.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    return customers.annotate(
        revenue=Coalesce(
            Subquery(purchases.filter(currency=currency).annotate(total=Sum("amount")).values("total")),
            Decimal(0),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
        # Orders: returns and cancellations are not counted as orders (their money is in the revenue).
        purchase_count=Coalesce(
            Subquery(
                purchases.filter(status=OrderStatus.COMPLETED).annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        last_purchase_at=Subquery(
            purchases.filter(status=OrderStatus.COMPLETED).annotate(last=Max("purchased_at")).values("last")
        ),
    )


def customers_filtered(
    *, membership: Membership, q: str = "", segment: str = "", tag: Tag | None = None, sort: str = "name"
) -> QuerySet[Customer]:
    """Visible customers matching the search (name, e-mail, phone, external id), segment and tag.

    Each carries `revenue` (in the organization's revenue currency), `purchase_count` and `last_purchase_at`.
    """
    customers = customers_visible(membership=membership)
    q = q.strip()
    if q:
        condition = Q(name__icontains=q) | Q(email__icontains=q) | Q(external_id__icontains=q)
        digits = normalize_phone(q)
        # Only a query written as a phone number is one: "C123" is an external id, not a phone with 123 in it.
        if len(digits) >= 3 and PHONE_LIKE.fullmatch(q):
            condition |= Q(phone__contains=digits)
        customers = customers.filter(condition)
    if segment:
        customers = customers.filter(segment=segment)
    if tag is not None:
        customers = customers.filter(tags=tag)
    currency = revenue_currency(organization=membership.organization)
    return _with_figures(customers, currency=currency).order_by(*SORTS.get(sort, SORTS["name"]))


@dataclass(frozen=True)
class RevenueAtRisk:
    """The revenue of customers whose last answer was a detractor's."""

    amount: Decimal
    currency: str
    customers: int
    share: float | None  # of the organization's revenue, %


def revenue_at_risk(*, membership: Membership) -> RevenueAtRisk:
    """Revenue of the visible customers whose latest answer (any loyalty survey) is in the complaint range."""
    organization = membership.organization
    currency = revenue_currency(organization=organization)
    scales = loyalty_scales(organization=organization)
    latest = _answers().filter(customer=OuterRef("pk"), kind__in=list(scales)).order_by("-created_at", "-id")
    at_risk = (
        customers_visible(membership=membership)
        .annotate(last_kind=Subquery(latest.values("kind")[:1]), last_score=Subquery(latest.values("score")[:1]))
        .filter(detractor_q(scales=scales, kind="last_kind", score="last_score"))
        .values("pk")
    )
    figures = Purchase.objects.filter(organization=organization, currency=currency, customer__in=at_risk).aggregate(
        amount=Sum("amount"), customers=Count("customer", distinct=True)
    )
    amount = cents(figures["amount"])
    return RevenueAtRisk(
        amount=amount,
        currency=currency,
        customers=figures["customers"],
        share=revenue_share(amount, organization_revenue(organization=organization, currency=currency)),
    )


@dataclass(frozen=True)
class CustomerSummary:
    """Who this customer is (D3), in one panel: beside every answer and case and at the top of the card."""

    customer: Customer
    segment: str  # the segment's label in the user's language; empty before the first RFM run
    since: datetime | None  # the customer's tenure starts here
    purchase_count: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None
    revenue: Decimal
    currency: str
    revenue_share: float | None  # of the organization's revenue, %
    # Net revenue per currency, the revenue currency first: (currency, amount), never added up as one.
    revenues: list[tuple[str, Decimal]]
    answer_count: int
    case_count: int
    last_answer: Model | None  # a surveys.Response
    last_answer_is_detractor: bool
    other_currencies: list[str] = field(default_factory=list)


def customer_summary(customer: Customer) -> CustomerSummary:
    """The customer's totals across the whole organization: tenure, purchases, revenue and its share, history."""
    organization = customer.organization
    currency = revenue_currency(organization=organization)
    purchases = Purchase.objects.filter(customer=customer)
    orders = Q(status=OrderStatus.COMPLETED)
    figures = purchases.aggregate(
        count=Count("id", filter=orders),
        first=Min("purchased_at", filter=orders),
        last=Max("purchased_at", filter=orders),
    )
    revenues = revenue_by_currency(purchases, first=currency)
    revenue = revenues[0][1]
    last_answer = customer.responses.select_related("survey").order_by("-created_at", "-id").first()
    return CustomerSummary(
        customer=customer,
        segment=segment_label(customer.segment) if customer.segment else "",
        since=customer.customer_since or figures["first"],
        purchase_count=figures["count"],
        first_purchase_at=figures["first"],
        last_purchase_at=figures["last"],
        revenue=revenue,
        currency=currency,
        revenue_share=revenue_share(revenue, organization_revenue(organization=organization, currency=currency)),
        revenues=revenues,
        answer_count=customer.responses.count(),
        case_count=customer.cases.count(),
        last_answer=last_answer,
        last_answer_is_detractor=last_answer is not None and is_detractor(last_answer),
        other_currencies=[code for code, _amount in revenues[1:]],
    )


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # "answer" or "case"
    item: Model  # a surveys.Response or a cases.Case


def customer_purchases(*, customer: Customer, limit: int = TIMELINE_LIMIT) -> list[Purchase]:
    """The customer's latest orders (returns and cancellations too) with their lines' products and places."""
    return list(customer.purchases.select_related("product", "location").prefetch_related("lines__product")[:limit])


def customer_timeline(
    *, membership: Membership, customer: Customer, limit: int = TIMELINE_LIMIT
) -> list[TimelineEntry]:
    """The customer's answers and cases the member may see, newest first."""
    locations = visible_locations(membership=membership)
    answers = customer.responses.filter(location__in=locations).select_related("survey", "location", "touchpoint")
    cases = customer.cases.filter(location__in=locations).select_related("location")
    entries = [TimelineEntry(answer.created_at, "answer", answer) for answer in answers.order_by("-created_at")[:limit]]
    entries += [TimelineEntry(case.created_at, "case", case) for case in cases.order_by("-created_at")[:limit]]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:limit]


def tags_of(*, organization: Organization) -> QuerySet[Tag]:
    return Tag.objects.filter(organization=organization)


def products_of(*, organization: Organization) -> QuerySet[Product]:
    """The catalogue with the survey each product's invitation opens and how many orders hold it.

    Counted from the order lines, anonymous orders included (a product sold at the till
    without a loyalty card was still sold); returns and cancellations are not orders.
    """
    orders = (
        Purchase.objects.filter(lines__product=OuterRef("pk"), status=OrderStatus.COMPLETED)
        .order_by()
        .values("lines__product")
        .annotate(n=Count("id", distinct=True))
        .values("n")
    )
    return (
        Product.objects.filter(organization=organization)
        .select_related("survey")
        .annotate(purchase_count=Coalesce(Subquery(orders, output_field=IntegerField()), 0))
        .order_by("name", "id")
    )
