"""Reads of the answer rollups: scoped like the answers themselves, narrowed by whole days."""

import datetime

from django.db.models import F, QuerySet, Sum

from otklik.accounts.models import Location, Membership, Organization
from otklik.accounts.selectors import visible_locations
from otklik.rollups.models import SCORES, ResponseRollup, RollupState


def rollups_ready(*, organization: Organization) -> bool:
    """Whether the organization's rollups were reconciled in its current time zone (so their days are its days)."""
    return RollupState.objects.filter(
        organization=organization, time_zone=organization.time_zone, reconciled_at__isnull=False
    ).exists()


def rollups_visible(*, membership: Membership) -> QuerySet[ResponseRollup]:
    """The rollups of the answers this member may see: all of them, or an employee's locations only."""
    rollups = ResponseRollup.objects.filter(organization=membership.organization)
    if not membership.sees_whole_organization:
        rollups = rollups.filter(location__in=visible_locations(membership=membership))
    return rollups


def rollups_filter(
    *,
    qs: QuerySet[ResponseRollup],
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    location: Location | None = None,
) -> QuerySet[ResponseRollup]:
    """Narrow already scoped rollups; both dates are inclusive days in the organization's time zone."""
    if date_from is not None:
        qs = qs.filter(day__gte=date_from)
    if date_to is not None:
        qs = qs.filter(day__lte=date_to)
    if location is not None:
        qs = qs.filter(location=location)
    return qs


def scores_sum(scores: range) -> Sum:
    """How many answers scored within `scores` (e.g. range(9, 11) for NPS promoters)."""
    expression = F(f"s{scores[0]}")
    for score in scores[1:]:
        expression = expression + F(f"s{score}")
    if not set(scores) <= set(SCORES):
        raise ValueError(f"Rollups count scores {SCORES}, not {scores}")
    return Sum(expression)
