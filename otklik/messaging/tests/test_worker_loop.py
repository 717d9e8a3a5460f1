"""The worker's loop: a dispatcher that ran out of time goes on at once; one that failed waits like the rest."""

import threading

from otklik.messaging.management.commands import worker


def run_loop(monkeypatch, *, dispatch, still_due, interval: float, seconds: float) -> list[str]:
    """Run the loop with `dispatch` as its only minute job for at most `seconds`; returns what it did, in order."""
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

    monkeypatch.setattr(worker, "MINUTE_JOBS", [dispatched])
    monkeypatch.setattr(worker, "invitations_dispatch_due", dispatched)
    monkeypatch.setattr(worker, "invitations_due_exist", due)
    monkeypatch.setattr(worker, "worker_heartbeat", lambda **kwargs: None)
    monkeypatch.setattr(worker, "outbox_deliver_due", lambda: 0)
    thread = threading.Thread(target=worker.outbox_loop, kwargs={"worker_id": "t", "interval": interval, "stop": stop})
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
