"""Small builders for the outreach tests: a customer, a product and a purchase stored the way an import stores them."""

import itertools
from datetime import datetime

from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.customers.models import Customer, Product, Purchase
from otklik.intake.purchases import purchases_changed

_seq = itertools.count(1)


def make_customer(
    *, organization: Organization, email: str = "", language: str = "en", consent: bool = True, **fields
) -> Customer:
    n = next(_seq)
    return Customer.objects.create(
        organization=organization,
        external_id=f"C{n}",
        name=fields.pop("name", f"Customer {n}"),
        email=email if email else f"customer{n}@example.com",
        language=language,
        consent_email=consent,
        **fields,
    )


def make_product(
    *, organization: Organization, name: str = "Kettle", delay: int = 3, mode: str = "automatic"
) -> Product:
    return Product.objects.create(
        organization=organization,
        external_id=f"SKU{next(_seq)}",
        name=name,
        evaluation_delay_days=delay,
        evaluation_mode=mode,
    )


def make_purchase(
    *, customer: Customer, product: Product, at: datetime | None = None, location=None, employee_name: str = ""
) -> Purchase:
    """A purchase stored and announced through the hook, as the API and file import do."""
    purchase = Purchase.objects.create(
        organization=customer.organization,
        external_id=f"P{next(_seq)}",
        customer=customer,
        product=product,
        amount=100,
        purchased_at=at or timezone.now(),
        location=location,
        employee_name=employee_name,
    )
    purchases_changed(organization=customer.organization, purchase_ids=[purchase.pk])
    return purchase
