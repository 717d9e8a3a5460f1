"""The daily RFM segments as a flow: customers get their new segments and their answers move with them in the
segment rollups (decision 0047), in the same transaction per chunk of customers.

The customers app computes the segments and knows nothing of the rollups above it; this flow hands it the move.
The worker's minute job queues one organization's run a day (`segments_due`, `compute_segments`).
"""

from datetime import datetime

from django.db import transaction
from django_tasks import task

from otklik.accounts.models import Organization
from otklik.customers.segments import SegmentsResult, segments_claim_due, segments_compute
from otklik.rollups.segments import rollup_segments_move


def segments_recompute(*, organization: Organization, now: datetime | None = None) -> SegmentsResult:
    """Recompute the organization's RFM segments (`customers.segments.segments_compute`) and move each changed
    customer's answers to the new segment in the segment rollups, committed with the change."""

    def moved(customer_ids: list[int], old: str, new: str) -> None:
        rollup_segments_move(organization=organization, customer_ids=customer_ids, old=old, new=new)

    return segments_compute(organization=organization, now=now, moved=moved)


@task()
def compute_segments(organization_id: int) -> int:
    """Recompute one organization's RFM segments; safe to run twice (only changed customers are written)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return segments_recompute(organization=organization).changed


def segments_due() -> int:
    """The worker's minute job: queue the segment computation of each organization not computed for a day."""
    # One transaction: with the database queue, a claim whose task was not queued is not kept either.
    with transaction.atomic():
        claimed = segments_claim_due()
        for organization_id in claimed:
            compute_segments.enqueue(organization_id)
    return len(claimed)
