"""`otklik worker`: runs queued tasks and keeps the outbox moving.

The task runner of the configured backend runs the tasks: the django-tasks
database worker, or an RQ worker when OTKLIK_TASK_BACKEND is
django_tasks_rq.RQBackend. Beside it a small loop sends outbox messages that
are due (retries, and messages whose worker died mid-send) and records a
heartbeat that /healthz reads, and runs the periodic jobs of `otklik.worker.schedule`;
a third thread runs the rules, case and alerts of answers the public pages stored
(`otklik.intake.answers.answers_process_pending`).
Several workers may run at once: every claim is an atomic conditional update.
"""

import os
import socket
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from otklik.ops.secret import startup_refusal
from otklik.worker.loop import answers_loop, worker_loop

RQ_BACKEND = "django_tasks_rq.RQBackend"
SWITCH_INTERVAL_SECONDS = 0.0005


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
        parser.add_argument(
            "--answers-interval",
            type=float,
            default=0.5,
            help="How often to look for answers whose rules, case and alerts are still to run, seconds.",
        )

    def handle(self, *args, interval: float, outbox_interval: float, answers_interval: float, **options):
        # The worker signs unsubscribe links into every message it sends: never with a key anyone can read.
        refusal = startup_refusal()
        if refusal:
            raise CommandError(refusal)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        # The loop's thread (dispatching invitations: CPU) and the task runner (sending: a wait on the SMTP
        # server or the database after every few statements) share the GIL. By default a waiting thread
        # gets it back only after the busy one has run 5 ms, so each of a message's five round trips could
        # wait that long while invitations were being dispatched; 0.5 ms lets the sender go on almost at once.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        stop = threading.Event()
        thread = threading.Thread(
            target=worker_loop,
            kwargs={"worker_id": worker_id, "interval": outbox_interval, "stop": stop},
            daemon=True,
        )
        thread.start()
        answers = threading.Thread(
            target=answers_loop,
            kwargs={"interval": answers_interval, "stop": stop, "preload": settings.OTKLIK_WORKER_PRELOAD},
            daemon=True,
        )
        answers.start()
        try:
            run_tasks(interval=interval, worker_id=worker_id)
        finally:
            stop.set()
            time.sleep(0)
