"""Reconciliation off the worker's loop: the schedule claims the organizations that are due, a task each does the work.

At 10 M answers one organization's reconciliation takes about a minute; run in the loop it held the
outbox sweep and every other periodic job that long. As tasks they run beside the loop, spread over
whichever workers are free.
"""

import datetime
import logging

from django_tasks import task

from otklik.accounts.models import Organization
from otklik.rollups.services import (
    RollupsBusy,
    organizations_due,
    rollups_claim,
    rollups_claim_held,
    rollups_reconcile,
    rollups_release,
)

logger = logging.getLogger(__name__)


@task()
def reconcile_rollups(organization_id: int, claimed_until: str = "") -> int:
    """Reconcile one organization's rollups with its answers; returns the rows corrected (-1: busy elsewhere).

    `claimed_until`: queued by `rollups_reconcile_enqueue_due`, which took the organization's claim
    ending then. A task that waited past it claims again like anyone, so two never reconcile at once.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    until = datetime.datetime.fromisoformat(claimed_until) if claimed_until else None
    held = until is not None and rollups_claim_held(organization=organization, until=until)
    try:
        result = rollups_reconcile(organization=organization, claimed=held)
    except RollupsBusy:
        return -1
    if result.corrected:
        logger.warning("rollups of %s: corrected %d rows", organization.slug, len(result.corrected))
    return len(result.corrected)


def rollups_reconcile_enqueue_due() -> int:
    """The worker's periodic job: claim each organization due for reconciliation and queue its task.

    The claim comes first and is committed, so a second worker neither queues the same organization
    nor reconciles it at the same time; a claim whose task was never run frees itself after CLAIM_FOR.
    Returns how many tasks were queued.
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
