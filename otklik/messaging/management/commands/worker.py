"""`otklik worker`: runs queued tasks and keeps the outbox moving.

The task runner of the configured backend runs the tasks: the django-tasks
database worker, or an RQ worker when OTKLIK_TASK_BACKEND is
django_tasks_rq.RQBackend. Beside it a small loop sends outbox messages that
are due (retries, and messages whose worker died mid-send) and records a
heartbeat that /healthz reads. Several workers may run at once: every claim is
an atomic conditional update.
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from otklik.customers.tasks import segments_due
from otklik.imports.jobs import imports_cleanup_due
from otklik.improvements.services import recovery_followups_due
from otklik.messaging.services import outbox_deliver_due, worker_heartbeat
from otklik.ops.secret import startup_refusal
from otklik.outreach.dispatch import invitations_dispatch_due, invitations_due_exist
from otklik.outreach.hunting import hunt_rules_run
from otklik.rollups.services import rollups_reconcile_due
from otklik.sla.services import sla_jobs_run
from otklik.team.digests import department_digests_due
from otklik.team.retention import retention_purge_due

logger = logging.getLogger(__name__)

# Jobs checked once a minute, not on every outbox sweep. Each is idempotent and claims its rows
# atomically, so several workers may run them.
MINUTE_JOBS = [
    sla_jobs_run,  # SLA escalations and the daily digests
    recovery_followups_due,  # loyalty after recovery: ask again some days after a resolved complaint
    segments_due,  # RFM segments, once a day per organization
    invitations_dispatch_due,  # outreach (B2): invitations that are due
    hunt_rules_run,  # outreach (B5): hunting for complaints
    rollups_reconcile_due,  # answer rollups: daily, and at once after a time zone change
    department_digests_due,  # team: the departments' weekly digest of their themes
    imports_cleanup_due,  # imports: uploaded files not imported within a week are removed
    retention_purge_due,  # the organizations' data retention: old answers' text and contacts, old audit records
]
MINUTE = 60
RQ_BACKEND = "django_tasks_rq.RQBackend"


def run_safely(job) -> bool:
    """Run one job; False when it raised (logged, so that one broken job stops neither the others nor the outbox)."""
    try:
        job()
    except Exception:
        logger.exception("%s failed", getattr(job, "__name__", job))
        return False
    return True


def _due_now() -> bool:
    try:
        return invitations_due_exist()
    except Exception:  # the database is away: the loop waits and tries again
        logger.exception("checking for due invitations failed")
        return False


def outbox_loop(*, worker_id: str, interval: float, stop: threading.Event) -> None:
    minute_jobs_at, invitations_due = float("-inf"), False
    while not stop.is_set():
        close_old_connections()
        run_safely(lambda: worker_heartbeat(worker_id=worker_id))
        dispatched = False  # whether the dispatcher ran this round and finished
        if time.monotonic() - minute_jobs_at >= MINUTE:
            minute_jobs_at = time.monotonic()
            for job in MINUTE_JOBS:
                ok = run_safely(job)
                dispatched = ok if job is invitations_dispatch_due else dispatched
        elif invitations_due:
            # The dispatcher spent its time budget with invitations still due (a big import came due):
            # it goes on at once rather than a minute later; the other jobs keep their minute.
            dispatched = run_safely(invitations_dispatch_due)
        run_safely(outbox_deliver_due)
        # A failing dispatcher waits for the next minute like the rest instead of spinning.
        invitations_due = dispatched and _due_now()
        close_old_connections()
        if not invitations_due:
            stop.wait(interval)


def run_tasks(*, interval: float, worker_id: str) -> None:
    """Run the task runner of the configured backend until it is told to stop."""
    backend = settings.TASKS["default"]
    if backend["BACKEND"] != RQ_BACKEND:
        call_command("db_worker", interval=interval, worker_id=worker_id[:64])
        return
    queues = backend.get("QUEUES") or list(settings.RQ_QUEUES)
    # SimpleWorker runs each job in this process: forking a work horse (and a new database
    # connection) per message would cost more than sending it; a stuck send is retried
    # by the outbox sweep after the claim timeout anyway.
    call_command(
        "rqworker",
        *queues,
        job_class="django_tasks_rq.Job",
        worker_class="rq.worker.SimpleWorker",
        name=worker_id,
        verbosity=0,
    )


class Command(BaseCommand):
    help = "Run background tasks and deliver the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Task poll interval, seconds.")
        parser.add_argument("--outbox-interval", type=float, default=10.0, help="Outbox sweep interval.")

    def handle(self, *args, interval: float, outbox_interval: float, **options):
        # The worker signs unsubscribe links into every message it sends: never with a key anyone can read.
        refusal = startup_refusal()
        if refusal:
            raise CommandError(refusal)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        stop = threading.Event()
        thread = threading.Thread(
            target=outbox_loop,
            kwargs={"worker_id": worker_id, "interval": outbox_interval, "stop": stop},
            daemon=True,
        )
        thread.start()
        try:
            run_tasks(interval=interval, worker_id=worker_id)
        finally:
            stop.set()
            time.sleep(0)
