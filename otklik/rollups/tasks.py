"""Reconciliation off the worker's loop, in slices: the schedule claims the organizations that are due, and each
organization's reconciliation is a chain of tasks, one month each.

At 10 M answers one organization's reconciliation took about a minute; run in the loop it held the outbox
sweep and every other periodic job that long, and as one task it held a task runner (and the messages queued
behind it) as long. A month of answers is a short task: the walk goes on in the next task, queued by this one,
so other tasks (the outbox's) run between the slices, on whichever workers are free.
"""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from otklik.accounts.models import Organization
from otklik.rollups.services import (
    month_after,
    organizations_due,
    reconcile_months,
    rollups_claim,
    rollups_claim_extend,
    rollups_reconcile_finish,
    rollups_reconcile_month,
    rollups_release,
)

logger = logging.getLogger(__name__)


@task()
def reconcile_rollups(
    organization_id: int,
    claimed_until: str = "",
    month: str = "",
    last_month: str = "",
    time_zone: str = "",
    answers: int = 0,
    corrected: int = 0,
    started: str = "",
) -> int:
    """Reconcile one month of an organization's rollups and queue the next month; returns the rows corrected in
    this month (-1: another process holds the organization).

    Queued by `rollups_reconcile_enqueue_due` with the claim it took (`claimed_until`) and nothing else: the
    first slice finds the months to walk. Each slice carries the claim on (a task that waited past it claims
    again like anyone, so two never reconcile at once), the time zone the walk began in, and the running
    totals; the last records the walk in the organization's state and frees the claim.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    until = datetime.datetime.fromisoformat(claimed_until) if claimed_until else None
    until = rollups_claim_extend(organization=organization, until=until)
    if until is None:
        return -1
    if not month:  # the first slice: where the walk goes, in the time zone of now
        time_zone, started = organization.time_zone, timezone.now().isoformat()
        span = reconcile_months(organization=organization, tz=organization.zone)
        if span is None:
            rollups_reconcile_finish(
                organization=organization, time_zone=time_zone, now=timezone.now(), answers=0, corrected=0
            )
            return 0
        month, last_month = span[0].isoformat(), span[1].isoformat()
    organization.time_zone = time_zone  # the walk's zone even if the organization changed it meanwhile
    this_month = datetime.date.fromisoformat(month)
    try:
        result = rollups_reconcile_month(organization=organization, month=this_month, tz=organization.zone)
    except BaseException:
        rollups_release(organization=organization)
        raise
    answers, corrected = answers + result.answers, corrected + len(result.corrected)
    if result.corrected:
        logger.warning("rollups of %s, %s: corrected %d rows", organization.slug, month, len(result.corrected))
    following = month_after(this_month)
    if following > datetime.date.fromisoformat(last_month):
        # A time zone changed meanwhile is recorded as the walk's: the organization is due again at once.
        rollups_reconcile_finish(
            organization=organization,
            time_zone=time_zone,
            now=datetime.datetime.fromisoformat(started),
            answers=answers,
            corrected=corrected,
        )
        return len(result.corrected)
    try:
        reconcile_rollups.enqueue(
            organization_id,
            until.isoformat(),
            following.isoformat(),
            last_month,
            time_zone,
            answers,
            corrected,
            started,
        )
    except Exception:
        rollups_release(organization=organization)
        raise
    return len(result.corrected)


def rollups_reconcile_enqueue_due() -> int:
    """The worker's periodic job: claim each organization due for reconciliation and queue its first slice.

    The claim comes first and is committed, so a second worker neither queues the same organization
    nor reconciles it at the same time; a claim whose tasks stopped (a worker died) frees itself after
    CLAIM_FOR, and the organization is due again from its first month. Returns how many were queued.
    """
    queued = 0
    for organization in organizations_due():
        until = rollups_claim(organization=organization)
        if until is None:
            continue
        try:
            reconcile_rollups.enqueue(organization.pk, until.isoformat())
        except Exception:
            rollups_release(organization=organization)
            raise
        queued += 1
    return queued
