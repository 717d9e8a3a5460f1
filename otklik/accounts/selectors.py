"""Reads that decide who sees what: every organization query starts here."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from otklik.accounts.models import Location, Membership, Organization, Touchpoint


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def membership_for(*, user: User, organization_id: int | None = None) -> Membership | None:
    """The user's membership in the given organization, or their first one."""
    if not user.is_authenticated:
        return None
    memberships = memberships_of(user=user)
    if organization_id is not None:
        chosen = memberships.filter(organization_id=organization_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def visible_locations(*, membership: Membership) -> QuerySet[Location]:
    """Locations whose data this member may see: all for managers, their own for employees."""
    locations = Location.objects.filter(organization=membership.organization)
    if membership.sees_whole_organization:
        return locations
    return locations.filter(members=membership)


def visible_touchpoints(*, membership: Membership) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(
        organization=membership.organization, location__in=visible_locations(membership=membership)
    ).select_related("location")


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user")
