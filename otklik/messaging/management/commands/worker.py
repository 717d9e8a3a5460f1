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

from otklik.messaging.services import outbox_deliver_due, worker_heartbeat
from otklik.sla.services import sla_jobs_run

logger = logging.getLogger(__name__)
# Escalations and digests are checked once a minute, not on every outbox sweep.
SLA_CHECK_SECONDS = 60


def outbox_loop(*, worker_id: str, interval: float, stop: threading.Event) -> None:
    sla_checked_at = float("-inf")
    while not stop.is_set():
        try:
            close_old_connections()
            worker_heartbeat(worker_id=worker_id)
            if time.monotonic() - sla_checked_at >= SLA_CHECK_SECONDS:
                sla_checked_at = time.monotonic()
                sla_jobs_run()
            outbox_deliver_due()
        except Exception:  # keep the loop alive: a bad row or a DB blip must not stop sending
            logger.exception("outbox sweep failed")
        finally:
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
