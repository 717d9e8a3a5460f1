"""Reads of the answer rollups: scoped like the answers themselves, narrowed by whole days or months."""

import datetime

from django.db.models import QuerySet

from otklik.accounts.models import Location, Membership, Organization
from otklik.accounts.selectors import visible_locations
from otklik.rollups.models import Grain, ResponseRollup, RollupState


def rollups_ready(*, organization: Organization, segments: bool = False) -> bool:
    """Whether the organization's rollups were reconciled in its current time zone (so their days are its days);
    with `segments`, the segment rollups also counted since they exist (`RollupState.segments_counted`)."""
    state = RollupState.objects.filter(
        organization=organization, time_zone=organization.time_zone, reconciled_at__isnull=False
    )
    return (state.filter(segments_counted=True) if segments else state).exists()


def rollups_visible(*, membership: Membership, grain: str, model: type = ResponseRollup) -> QuerySet:
    """The day (or month) rollups of the answers this member may see: all, or an employee's locations only.

    One grain at a time: every answer is counted once in each, so mixing them would count it twice.
    `model` TagRollup gives the rollups of the theme tags of those answers.
    """
    rollups = model.objects.filter(organization=membership.organization, grain=grain)
    if not membership.sees_whole_organization:
        rollups = rollups.filter(location__in=visible_locations(membership=membership))
    return rollups


def _whole_months(date_from: datetime.date | None, date_to: datetime.date | None) -> bool:
    starts_a_month = date_from is None or date_from.day == 1
    ends_a_month = date_to is None or (date_to + datetime.timedelta(days=1)).day == 1
    return starts_a_month and ends_a_month


def rollups_for_period(
    *,
    membership: Membership,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    location: Location | None = None,
    grain: str | None = None,
    model: type = ResponseRollup,
) -> QuerySet:
    """The member's rollups for a period of whole days (both ends included, in the organization's time zone):
    month rows when the period is whole months (or open), else day rows; `grain` DAY asks for day rows
    always (to group by week). `model` TagRollup: the same for the answers' theme tags."""
    if grain is None or grain == Grain.MONTH and not _whole_months(date_from, date_to):
        grain = Grain.MONTH if _whole_months(date_from, date_to) else Grain.DAY
    qs = rollups_visible(membership=membership, grain=grain, model=model)
    if date_from is not None:
        qs = qs.filter(start__gte=date_from)
    if date_to is not None:
        qs = qs.filter(start__lte=date_to)
    if location is not None:
        qs = qs.filter(location=location)
    return qs
