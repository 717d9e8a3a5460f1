"""Background work of the customer base: RFM segments once a day per organization (D6)."""

from django.db import transaction
from django_tasks import task

from otklik.accounts.models import Organization
from otklik.customers.segments import segments_claim_due, segments_compute


@task()
def compute_segments(organization_id: int) -> int:
    """Recompute one organization's RFM segments; safe to run twice (only changed customers are written)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return segments_compute(organization=organization).changed


def segments_due() -> int:
    """The worker's minute job: queue the segment computation of each organization not computed for a day."""
    # One transaction: with the database queue, a claim whose task was not queued is not kept either.
    with transaction.atomic():
        claimed = segments_claim_due()
        for organization_id in claimed:
            compute_segments.enqueue(organization_id)
    return len(claimed)
