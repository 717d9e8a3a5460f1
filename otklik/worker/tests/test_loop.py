"""The worker's loop: a job that finished with work left goes on at once; one that failed waits like the rest."""

import threading
from datetime import timedelta

from otklik.worker import loop
from otklik.worker.schedule import PeriodicJob


def run_loop(monkeypatch, *, dispatch, still_due, interval: float, seconds: float) -> list[str]:
    """Run the loop with `dispatch` as its only job for at most `seconds`; returns what it did, in order."""
    calls, stop = [], threading.Event()

    def dispatched():
        calls.append("dispatch")
        dispatch()

    def due():
        calls.append("due?")
        answer = still_due(calls)
        if not answer:
            stop.set()
        return answer

    monkeypatch.setattr(loop, "worker_heartbeat", lambda **kwargs: None)
    monkeypatch.setattr(loop, "outbox_deliver_due", lambda: 0)
    job = PeriodicJob("invitations", timedelta(minutes=1), dispatched, again_while=due)
    thread = threading.Thread(
        target=loop.worker_loop, kwargs={"worker_id": "t", "interval": interval, "stop": stop, "schedule": [job]}
    )
    thread.start()
    thread.join(timeout=seconds)
    stop.set()
    thread.join()
    return calls


def test_a_backlog_is_dispatched_again_without_waiting_for_the_minute(monkeypatch):
    calls = run_loop(
        monkeypatch,
        dispatch=lambda: None,
        still_due=lambda calls: calls.count("due?") < 3,  # the third check finds nothing due
        interval=60,
        seconds=10,
    )
    assert calls == ["dispatch", "due?", "dispatch", "due?", "dispatch", "due?"]


def test_a_failing_dispatcher_waits_its_interval_instead_of_spinning(monkeypatch):
    def broken():
        raise RuntimeError("the database is away")

    calls = run_loop(monkeypatch, dispatch=broken, still_due=lambda calls: True, interval=0.2, seconds=1)
    assert calls == ["dispatch"]  # not asked again before the minute comes round


def test_each_job_keeps_its_own_interval(monkeypatch):
    calls, stop = [], threading.Event()
    monkeypatch.setattr(loop, "worker_heartbeat", lambda **kwargs: None)
    monkeypatch.setattr(loop, "outbox_deliver_due", lambda: calls.append("sweep"))
    often = PeriodicJob("often", timedelta(0), lambda: calls.append("often"))
    hourly = PeriodicJob("hourly", timedelta(hours=1), lambda: calls.append("hourly"))

    def stop_after_three_sweeps():
        if calls.count("sweep") >= 3:
            stop.set()

    monkeypatch.setattr(loop, "close_old_connections", stop_after_three_sweeps)
    loop.worker_loop(worker_id="t", interval=0, stop=stop, schedule=[often, hourly])
    assert calls == ["often", "hourly", "sweep", "often", "sweep", "often", "sweep"]


def test_every_scheduled_job_has_a_unique_name_and_a_function():
    from otklik.worker.schedule import SCHEDULE

    names = [job.name for job in SCHEDULE]
    assert len(names) == len(set(names))
    assert all(callable(job.function) and job.every.total_seconds() > 0 for job in SCHEDULE)
