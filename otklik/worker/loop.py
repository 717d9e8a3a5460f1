"""The worker's loops beside the task runner: heartbeat, the outbox sweep and the schedule's jobs when due;
and the answers the public pages stored with their rules still to run."""

import logging
import threading
import time

from django.db import close_old_connections

from otklik.insights.warm import text_tools_load
from otklik.intake.answers import PROCESS_BATCH, answers_process_pending
from otklik.messaging.services import outbox_deliver_due, worker_heartbeat
from otklik.worker.schedule import SCHEDULE, PeriodicJob, run_safely

logger = logging.getLogger(__name__)


def _still_due(job: PeriodicJob) -> bool:
    try:
        return bool(job.again_while())
    except Exception:  # the database is away: read as "nothing left", so the loop waits and tries again
        logger.exception("%s: checking for more failed", job.name)
        return False


def worker_loop(
    *, worker_id: str, interval: float, stop: threading.Event, schedule: list[PeriodicJob] = SCHEDULE
) -> None:
    """Until `stop` is set: every `interval` seconds a heartbeat and the outbox sweep, and each job when its time comes.

    A job with `again_while` that finished with work still left (a backlog of due invitations) runs
    again at once instead of at its next time; one that failed waits for its next time like the rest,
    so a broken job never spins.
    """
    next_at = {job.name: float("-inf") for job in schedule}
    hurried: list[PeriodicJob] = []
    while not stop.is_set():
        close_old_connections()
        run_safely(lambda: worker_heartbeat(worker_id=worker_id), name="heartbeat")
        finished = []  # jobs that ran this round and did not raise
        for job in schedule:
            now = time.monotonic()
            if now >= next_at[job.name]:
                next_at[job.name] = now + job.every.total_seconds()
            elif job not in hurried:
                continue
            if job.run():
                finished.append(job)
        run_safely(outbox_deliver_due, name="outbox sweep")
        hurried = [job for job in finished if job.again_while is not None and _still_due(job)]
        close_old_connections()
        if not hurried:
            stop.wait(interval)


def text_tools_preload() -> None:
    """Load what reading an answer uses (dictionaries, word lists) now, and log what it took (decision 0067)."""
    wall, cpu = time.monotonic(), time.process_time()
    if run_safely(text_tools_load, name="loading the dictionaries"):
        logger.info(
            "loaded the dictionaries and word lists for reading answers in %.1f s (%.1f s of CPU)",
            time.monotonic() - wall,
            time.process_time() - cpu,
        )


def answers_loop(*, interval: float, stop: threading.Event, preload: bool = False) -> None:
    """Until `stop` is set: process the answers whose rules, case and alerts are still to run (decision 0024).

    Its own thread, so a detractor's alert never waits behind the minute jobs or the outbox sweep; with
    nothing pending, one read of a tiny partial index every `interval` seconds. A full batch means more are
    waiting, so it goes on without waiting. With `preload`, the text tools are loaded before the first
    claim, so the first answers' alerts do not wait for them (the heartbeat and the task runner start meanwhile).
    """
    if preload:
        text_tools_preload()
    while not stop.is_set():
        close_old_connections()
        done = 0
        try:
            done = answers_process_pending()
        except Exception:  # the database is away: wait and try again
            logger.exception("processing pending answers failed")
        if done < PROCESS_BATCH:
            close_old_connections()
            stop.wait(interval)
