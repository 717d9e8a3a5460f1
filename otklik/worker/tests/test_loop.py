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


def run_answers_loop(monkeypatch, *, batches: list, interval: float, seconds: float) -> list[int]:
    """Run the answers loop where each call processes the next of `batches`; returns what each call processed."""
    done, stop = [], threading.Event()

    def process():
        if not batches:
            stop.set()
            return 0
        count = batches.pop(0)
        if isinstance(count, Exception):
            raise count
        done.append(count)
        return count

    monkeypatch.setattr(loop, "answers_process_pending", process)
    thread = threading.Thread(target=loop.answers_loop, kwargs={"interval": interval, "stop": stop})
    thread.start()
    thread.join(timeout=seconds)
    stop.set()
    thread.join()
    return done


def test_the_answers_loop_goes_on_at_once_while_batches_come_back_full(monkeypatch):
    full = loop.PROCESS_BATCH
    # A minute's interval: the loop could not reach the fourth call in time if it waited after a full batch.
    done = run_answers_loop(monkeypatch, batches=[full, full, 3, full], interval=60, seconds=2)
    assert done == [full, full, 3]


def test_the_answers_loop_survives_a_database_away(monkeypatch):
    done = run_answers_loop(monkeypatch, batches=[RuntimeError("away"), 2], interval=0.05, seconds=5)
    assert done == [2]


def in_a_thread(function, **kwargs) -> None:
    """Run `function` as the worker does, in a thread of its own (with its own database connection)."""
    thread = threading.Thread(target=function, kwargs=kwargs)
    thread.start()
    thread.join(timeout=30)


def test_a_worker_loads_the_text_tools_before_its_first_claim_and_logs_it(monkeypatch, caplog):
    order, stop = [], threading.Event()
    monkeypatch.setattr(loop, "text_tools_load", lambda: order.append("load"))

    def process():
        order.append("claim")
        stop.set()
        return 0

    monkeypatch.setattr(loop, "answers_process_pending", process)
    with caplog.at_level("INFO", logger="otklik.worker.loop"):
        in_a_thread(loop.answers_loop, interval=0.01, stop=stop, preload=True)
    assert order == ["load", "claim"]
    assert "loaded the dictionaries and word lists" in caplog.text
    # Without it (the tests' own workers), the first answer loads them.
    order.clear()
    stop.clear()
    in_a_thread(loop.answers_loop, interval=0.01, stop=stop)
    assert order == ["claim"]


def test_a_failed_preload_is_logged_and_the_worker_claims_all_the_same(monkeypatch, caplog):
    stop = threading.Event()
    monkeypatch.setattr(loop, "text_tools_load", lambda: 1 / 0)
    monkeypatch.setattr(loop, "answers_process_pending", lambda: stop.set() or 0)
    in_a_thread(loop.answers_loop, interval=0.01, stop=stop, preload=True)
    assert stop.is_set() and "loading the dictionaries failed" in caplog.text


def test_the_preload_reaches_every_lazily_loaded_text_tool():
    from otklik.insights import profanity
    from otklik.insights import text as textlib
    from otklik.insights.warm import text_tools_load

    text_tools_load()
    assert textlib.morph_analyzer.cache_info().currsize == 2  # ru and uk
    assert profanity._morph is textlib.morph_analyzer  # one set of dictionaries, not two
    for cached in (textlib._langid, textlib._english_stemmer, textlib._foreign_stop_words, profanity.package_words):
        assert cached.cache_info().currsize == 1, cached
