"""A public answer is stored and acknowledged with the cache down or hung: the rate limit fails open."""

import logging
import socket
import threading
import time

import pytest
import redis

from otklik import settings as otklik_settings
from otklik.surveys import spam
from otklik.surveys.models import Response
from otklik.surveys.tests.conftest import answer_url

# Real customer words from /work/shared/datasets/airline-tweets-en (tweet id 570035876845084672).
COMPLAINT = "@VirginAmerica Your chat support is not working on your site: http://t.co/vhp2GtDWPk"
HANG_UP_SECONDS = 20


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word.

    It hangs up after HANG_UP_SECONDS, so that a client without a socket timeout would see the
    connection closed (a ConnectionError) rather than hang the test run forever.
    """
    server = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()
    hang_up_at = time.monotonic() + HANG_UP_SECONDS

    def accept():
        server.settimeout(0.1)
        while not stop.is_set() and time.monotonic() < hang_up_at:
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
        for connection in held:
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(autouse=True)
def cache_assumed_up(monkeypatch):
    # Each test starts with the cache believed reachable (and leaves the next test so).
    monkeypatch.setattr(spam, "_cache_down_until", 0.0)


def _two_answers_with_cache_at(client, world, settings, caplog, port: int):
    # The production settings' cache, at this port; a limit of one answer, which must fail open.
    settings.CACHES = {"default": otklik_settings.redis_cache(f"redis://127.0.0.1:{port}/0", timeout=0.5)}
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    with caplog.at_level(logging.WARNING, logger="otklik.surveys.spam"):
        first = client.post(answer_url(world.nps, world.checkout), {"score": "2", "comment": COMPLAINT})
        second = client.post(answer_url(world.nps, world.checkout), {"score": "9"})
    failures = [record for record in caplog.records if "rate limit cache unavailable" in record.getMessage()]
    return first, second, failures


def test_with_nothing_listening_the_answer_is_stored_and_the_failure_logged(client, world, settings, caplog):
    first, second, failures = _two_answers_with_cache_at(client, world, settings, caplog, closed_port())
    assert (first.status_code, second.status_code) == (303, 303)  # both acknowledged
    assert "/thanks/" in first["Location"]
    assert Response.objects.filter(comment=COMPLAINT).count() == 1
    assert Response.objects.count() == 2
    assert [type(record.exc_info[1]) for record in failures] == [redis.exceptions.ConnectionError]


def test_with_a_cache_that_never_answers_the_socket_timeout_lets_the_answer_through(
    client, world, settings, caplog, silent_server
):
    first, second, failures = _two_answers_with_cache_at(client, world, settings, caplog, silent_server)
    assert (first.status_code, second.status_code) == (303, 303)
    assert Response.objects.count() == 2
    # The read timed out (the short socket timeout, not the server hanging up), and only once:
    # the second answer skipped the cache instead of waiting again.
    assert [type(record.exc_info[1]) for record in failures] == [redis.exceptions.TimeoutError]


def test_with_the_task_queue_down_too_the_stored_answer_is_acknowledged_and_processed(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    # The RQ backend keeps its queue in Redis as well. The request queues nothing (the worker processes the
    # answer, decision 0024); the worker's enqueue of the tagging after its commit fails and undoes nothing.
    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    from django_tasks_db.backend import DatabaseBackend

    from otklik.cases.models import Case
    from otklik.intake.answers import answers_process_pending

    monkeypatch.setattr(DatabaseBackend, "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.post(answer_url(world.nps, world.checkout), {"score": "2", "comment": COMPLAINT})
    assert not callbacks
    assert page.status_code == 303
    assert Response.objects.filter(comment=COMPLAINT).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert answers_process_pending() == 1
    assert callbacks  # the enqueue was attempted, and failed
    assert Case.objects.filter(response__comment=COMPLAINT).exists()
