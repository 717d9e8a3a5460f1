"""The worker's schedule: every periodic job of Otklik, in one list.

Each job is a plain function of the app that owns the work; the worker only says
when it runs. Every job is idempotent and claims its rows atomically, so any
number of workers may run the same schedule. A job that could take long (the
daily rollup reconciliation, RFM segments, the retention purge) only claims what is due and queues one
task per organization: the task runner does the work, and the loop that keeps
the outbox moving is never held by it. The reconciliation's task does one month
and queues the next, so even the largest organization holds a task runner for
a month of answers at a time.

Besides these jobs, every round of the loop (`--outbox-interval`) writes the
worker's heartbeat and sends the outbox messages that are due (see `loop.py`).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from otklik.imports.jobs import imports_cleanup_due
from otklik.improvements.services import recovery_followups_due
from otklik.intake.segments import segments_due
from otklik.outreach.dispatch import invitations_dispatch_due, invitations_due_exist
from otklik.outreach.hunting import hunt_rules_run
from otklik.rollups.tasks import rollups_reconcile_enqueue_due
from otklik.sla.services import sla_jobs_run
from otklik.team.digests import department_digests_due
from otklik.team.retention import retention_purge_due

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PeriodicJob:
    """A job the worker runs every `every`; with `again_while`, it runs again at once while that says work is left."""

    name: str
    every: timedelta
    function: Callable[[], object]
    again_while: Callable[[], bool] | None = None

    def run(self) -> bool:
        """Run the job once; False when it raised (logged: one broken job stops neither the others nor the outbox)."""
        return run_safely(self.function, name=self.name)


def run_safely(function: Callable[[], object], *, name: str = "") -> bool:
    """Call `function`; False when it raised, after logging it."""
    try:
        function()
    except Exception:
        logger.exception("%s failed", name or getattr(function, "__name__", function))
        return False
    return True


SCHEDULE: list[PeriodicJob] = [
    # SLA escalations, and each person's morning digest.
    PeriodicJob("sla", MINUTE, sla_jobs_run),
    # Loyalty after recovery: ask again some days after a resolved complaint.
    PeriodicJob("recovery_followups", MINUTE, recovery_followups_due),
    # RFM segments: once a day per organization, each computed by a task of its own.
    PeriodicJob("segments", MINUTE, segments_due),
    # Invitations that are due (B2): a backlog (a big import came due) is dispatched on without waiting a minute.
    PeriodicJob("invitations", MINUTE, invitations_dispatch_due, again_while=invitations_due_exist),
    # Hunting for complaints (B5): an event followed by silence.
    PeriodicJob("hunting", MINUTE, hunt_rules_run),
    # Answer rollups: daily, and at once after a time zone change; per organization a chain of one-month tasks.
    PeriodicJob("rollups", MINUTE, rollups_reconcile_enqueue_due),
    # The departments' weekly digest of their themes.
    PeriodicJob("department_digests", MINUTE, department_digests_due),
    # Uploaded files not imported within a week are removed.
    PeriodicJob("imports_cleanup", MINUTE, imports_cleanup_due),
    # Data retention: old answers' text and contacts blanked, old audit records pruned; a task per organization.
    PeriodicJob("retention", HOUR, retention_purge_due),
]


def job_named(name: str) -> PeriodicJob:
    """The scheduled job of this name; KeyError when there is none."""
    for job in SCHEDULE:
        if job.name == name:
            return job
    raise KeyError(name)
