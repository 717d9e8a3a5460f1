"""Small factory functions for tests: each makes one object with sensible defaults."""

import itertools

from django.contrib.auth.models import User

from otklik.accounts.models import Location, Membership, Organization, Role, Touchpoint
from otklik.cases.case_rules import survey_create_with_case_rule
from otklik.intake.answers import answer_receive
from otklik.surveys.models import Survey
from otklik.surveys.services import AnswerInput

_seq = itertools.count(1)

PASSWORD = "pass-for-tests-1"


def make_organization(*, name: str = "", slug: str = "", language: str = "en") -> Organization:
    n = next(_seq)
    return Organization.objects.create(name=name or f"Org {n}", slug=slug or f"org-{n}", default_language=language)


def make_user(*, organization: Organization, role: str = Role.EMPLOYEE, username: str = "", locations=()) -> User:
    n = next(_seq)
    username = username or f"{role}-{n}"
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password=PASSWORD)
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    membership.locations.set(locations)
    return user


def make_location(*, organization: Organization, name: str = "", responsible: User | None = None) -> Location:
    return Location.objects.create(
        organization=organization, name=name or f"Store {next(_seq)}", responsible=responsible
    )


def make_touchpoint(*, location: Location, name: str = "Checkout", kind: str = "checkout") -> Touchpoint:
    return Touchpoint.objects.create(organization=location.organization, location=location, name=name, kind=kind)


def make_survey(*, organization: Organization, kind: str = "nps") -> Survey:
    return survey_create_with_case_rule(organization=organization, kind=kind)


def make_response(*, survey: Survey, touchpoint: Touchpoint, score: int, comment: str = "", **answer):
    return answer_receive(
        survey=survey, touchpoint=touchpoint, answer=AnswerInput(score=score, comment=comment, **answer)
    )


def make_customer(*, organization: Organization, name: str = "", segment: str = "", tags=(), **fields):
    """A customer of the customer base, with an RFM segment and manual tags (names of Tag rows, created here)."""
    from otklik.customers.models import Customer, Tag

    n = next(_seq)
    fields.setdefault("external_id", f"C{n}")
    customer = Customer.objects.create(
        organization=organization, name=name or f"Customer {n}", segment=segment, **fields
    )
    customer.tags.set([Tag.objects.get_or_create(organization=organization, name=tag)[0] for tag in tags])
    return customer


def make_purchase(*, customer, amount="100", purchased_at=None, product=None, location=None, currency="RUB"):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from otklik.customers.models import OrderStatus, Product, Purchase, PurchaseLine

    n = next(_seq)
    if product is None:
        product, _created = Product.objects.get_or_create(
            organization_id=customer.organization_id, external_id="SKU", defaults={"name": "Kettle"}
        )
    purchase = Purchase.objects.create(
        organization_id=customer.organization_id,
        external_id=f"P{n}",
        customer=customer,
        product=product,
        amount=Decimal(amount),
        currency=currency,
        status=OrderStatus.RETURNED if Decimal(amount) < 0 else OrderStatus.COMPLETED,
        purchased_at=purchased_at or timezone.now() - timedelta(days=1),
        location=location,
    )
    # An order of one line, as the migration made of every purchase stored before orders had lines.
    quantity = -1 if Decimal(amount) < 0 else 1
    PurchaseLine.objects.create(
        purchase=purchase, line_no=1, product=product, quantity=quantity, unit_price=abs(Decimal(amount)), amount=amount
    )
    return purchase
