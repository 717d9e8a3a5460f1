"""Compensation limits (F3): how much a member of each role may grant a customer on their own.

Set on the rules page, checked when a case's apology offers an amount (`cases.services.case_apologize`);
the limit lives here, next to the case it limits (docs/decisions/0017).
"""

from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization, Role
from otklik.cases.models import CompensationLimit

# Shipped limits (F3): an employee decides alone up to 1000, a manager up to 10000, an owner without limit.
DEFAULT_COMPENSATION_LIMITS: dict[str, Decimal | None] = {
    Role.EMPLOYEE: Decimal("1000"),
    Role.MANAGER: Decimal("10000"),
    Role.OWNER: None,
    Role.VIEWER: Decimal("0"),
}


def compensation_limits(*, organization: Organization) -> dict[str, Decimal | None]:
    """Role → the largest amount it may grant alone (None: no limit); the shipped defaults where unset."""
    limits = dict(DEFAULT_COMPENSATION_LIMITS)
    for row in CompensationLimit.objects.filter(organization=organization):
        limits[row.role] = row.max_amount
    return limits


def compensation_limit_for(*, organization: Organization, user: User) -> Decimal | None:
    """The user's own limit in the organization (by their role); zero for a non-member."""
    membership = Membership.objects.filter(organization=organization, user=user, is_active=True).first()
    if membership is None:
        return Decimal("0")
    return compensation_limits(organization=organization)[membership.role]


def compensation_limit_set(*, organization: Organization, role: str, max_amount: Decimal | None) -> CompensationLimit:
    """Set how much a role may grant alone; None means no limit."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if max_amount is not None and max_amount < 0:
        raise ValidationError({"max_amount": _("A limit cannot be negative.")})
    limit, _created = CompensationLimit.objects.update_or_create(
        organization=organization, role=role, defaults={"max_amount": max_amount}
    )
    return limit
