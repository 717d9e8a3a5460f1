"""Revenue in one currency: totals, shares and RFM monetary scores add up amounts of one currency only.

An organization may record purchases in several currencies; adding roubles to
dollars would be meaningless, and there is no exchange rate to trust offline. The
organization's *revenue currency* is the one most of its purchases use; purchases
in other currencies are listed on the card but left out of the sums.
"""

from decimal import Decimal

from django.db.models import Count, Sum

from otklik.accounts.models import Organization
from otklik.customers.models import Purchase

DEFAULT_CURRENCY = "RUB"


def revenue_currency(*, organization: Organization) -> str:
    """The currency most of the organization's purchases use (RUB when there are none)."""
    row = (
        Purchase.objects.filter(organization=organization)
        .values("currency")
        .annotate(n=Count("id"))
        .order_by("-n", "currency")
        .first()
    )
    return row["currency"] if row else DEFAULT_CURRENCY


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
