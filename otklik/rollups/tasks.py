from django_tasks import task

from otklik.accounts.models import Organization
from otklik.rollups.services import RollupsBusy, rollups_reconcile


@task()
def reconcile_rollups(organization_id: int) -> int:
    """Reconcile one organization's rollups with its answers; returns the rows corrected (-1: busy elsewhere)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    try:
        return len(rollups_reconcile(organization=organization).corrected)
    except RollupsBusy:
        return -1
