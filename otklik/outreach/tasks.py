"""Background tasks: the worker's minute jobs call the same services directly."""

from django_tasks import task

from otklik.outreach.dispatch import invitations_dispatch_due
from otklik.outreach.hunting import hunt_rules_run


@task()
def dispatch_due_invitations() -> dict[str, int]:
    """Send due invitations; safe to run twice or on two workers (each row is claimed atomically)."""
    return invitations_dispatch_due()


@task()
def run_hunt_rules() -> int:
    """Act on customers who went silent after an event; each rule acts once per event."""
    return hunt_rules_run()
