"""Revenue in one currency: totals, shares and RFM monetary scores add up amounts of one currency only.

An organization may record orders in several currencies; adding roubles to
dollars would be meaningless, and there is no exchange rate to trust offline. The
organization's *revenue currency* is the one most of its orders use (its own
currency before it has any); totals, shares and scores are in it, and the other
currencies' revenue is shown beside it, per currency, never added in.

Revenue is net: an order's stored amount is what it adds (its lines, less what was
given back: customers.services.order_amount), so sums of orders are sums of lines.
"""

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from otklik.accounts.models import Organization
from otklik.customers.models import OrderStatus, Purchase

DEFAULT_CURRENCY = "RUB"


def revenue_currency(*, organization: Organization) -> str:
    """The currency most of the organization's orders use (its own currency when there are none)."""
    row = (
        Purchase.objects.filter(organization=organization, status=OrderStatus.COMPLETED)
        .values("currency")
        .annotate(n=Count("id"))
        .order_by("-n", "currency")
        .first()
    )
    return row["currency"] if row else (organization.currency or DEFAULT_CURRENCY)


def revenue_by_currency(purchases: QuerySet[Purchase], *, first: str) -> list[tuple[str, Decimal]]:
    """Net revenue of `purchases` per currency, `first` (the revenue currency) first, then by name.

    Never one total: each currency's sum stands on its own.
    """
    totals = {
        row["currency"]: cents(row["total"])
        for row in purchases.order_by().values("currency").annotate(total=Sum("amount"))
    }
    first_total = totals.pop(first, cents(None))
    return [(first, first_total), *sorted(totals.items())]


def organization_revenue(*, organization: Organization, currency: str) -> Decimal:
    """The sum of all the organization's purchases in `currency`."""
    total = Purchase.objects.filter(organization=organization, currency=currency).aggregate(total=Sum("amount"))
    return cents(total["total"])


def cents(amount: Decimal | None) -> Decimal:
    """An amount to the cent: SQLite sums decimals without their scale ("4000"), PostgreSQL keeps it ("4000.00")."""
    return (amount or Decimal(0)).quantize(Decimal("0.01"))


def revenue_share(part: Decimal, whole: Decimal) -> float | None:
    """`part` as a percentage of `whole`; None when the whole is zero."""
    return float(part * 100 / whole) if whole else None
