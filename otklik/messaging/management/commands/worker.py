"""`otklik worker`: runs queued tasks and keeps the outbox moving.

The django-tasks database worker runs the tasks; beside it a small loop sends
outbox messages that are due (retries, and messages whose worker died mid-send)
and records a heartbeat that /healthz reads. Several workers may run at once:
every claim is an atomic conditional update.
"""

import logging
import os
import socket
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from otklik.improvements.services import recovery_followups_due
from otklik.insights.digests import department_digests_due
from otklik.messaging.services import outbox_deliver_due, worker_heartbeat
from otklik.sla.services import sla_jobs_run

logger = logging.getLogger(__name__)

# Jobs checked once a minute, not on every outbox sweep: SLA escalations and digests,
# and the loyalty-after-recovery follow-ups. Each is idempotent, so several workers may run them.
MINUTE_JOBS = [sla_jobs_run, recovery_followups_due]
MINUTE_JOBS.append(department_digests_due)  # the departments' weekly digest of their themes (insights)
MINUTE = 60


def run_safely(job) -> None:
    try:
        job()
    except Exception:  # one broken job must not stop the others or the outbox
        logger.exception("%s failed", job.__name__)


def outbox_loop(*, worker_id: str, interval: float, stop: threading.Event) -> None:
    minute_jobs_at = float("-inf")
    while not stop.is_set():
        close_old_connections()
        run_safely(lambda: worker_heartbeat(worker_id=worker_id))
        if time.monotonic() - minute_jobs_at >= MINUTE:
            minute_jobs_at = time.monotonic()
            for job in MINUTE_JOBS:
                run_safely(job)
        run_safely(outbox_deliver_due)
        close_old_connections()
        stop.wait(interval)


class Command(BaseCommand):
    help = "Run background tasks and deliver the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Task poll interval, seconds.")
        parser.add_argument("--outbox-interval", type=float, default=10.0, help="Outbox sweep interval.")

    def handle(self, *args, interval: float, outbox_interval: float, **options):
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        stop = threading.Event()
        thread = threading.Thread(
            target=outbox_loop,
            kwargs={"worker_id": worker_id, "interval": outbox_interval, "stop": stop},
            daemon=True,
        )
        thread.start()
        try:
            call_command("db_worker", interval=interval, worker_id=worker_id[:64])
        finally:
            stop.set()
            time.sleep(0)
