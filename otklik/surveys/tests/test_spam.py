import logging
import os
import time

import pytest

from otklik.surveys import spam
from otklik.surveys.models import Response
from otklik.surveys.spam import answer_rate_exceeded
from otklik.surveys.tests.conftest import answer_url


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, world):
    page = client.post(answer_url(world.nps, world.checkout), {"score": "1", "comment": "x", "website": "http://x"})
    assert page.status_code == 303
    assert "/thanks/" in page["Location"]
    assert not Response.objects.exists()


def test_the_honeypot_is_hidden_from_people(client, world):
    html = client.get(answer_url(world.nps, world.checkout)).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="website" tabindex="-1"' in html


def test_it_limits_answers_per_ip(client, world, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    url = answer_url(world.nps, world.checkout)
    assert client.post(url, {"score": "9"}).status_code == 303
    assert client.post(url, {"score": "8"}).status_code == 303
    page = client.post(url, {"score": "7", "comment": "third"})
    assert page.status_code == 429
    html = page.content.decode()
    assert "Too many answers have come from your network" in html
    assert "third" in html
    assert Response.objects.count() == 2


def test_the_limit_is_per_ip(client, world, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    url = answer_url(world.nps, world.checkout)
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.1").status_code == 303
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post(url, {"score": "9"}, REMOTE_ADDR="10.0.0.2").status_code == 303


def test_the_rate_limit_counts_per_window(db, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    settings.OTKLIK_RATE_LIMIT_WINDOW_SECONDS = 600
    start = 6000.0
    assert [answer_rate_exceeded(client_ip="10.0.0.9", now=start + i) for i in range(3)] == [False, False, True]
    assert answer_rate_exceeded(client_ip="10.0.0.9", now=start + 600) is False


def test_a_zero_limit_turns_the_guard_off(db, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 0
    assert not any(answer_rate_exceeded(client_ip="10.0.0.9") for _ in range(5))


@pytest.fixture
def redis_cache(settings):
    """The production settings' Redis cache on the test Redis (OTKLIK_TEST_REDIS_URL); skipped where none runs."""
    import redis

    from otklik import settings as otklik_settings

    url = os.environ.get("OTKLIK_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is unreachable at {url}")
    settings.CACHES = {"default": otklik_settings.redis_cache(url, timeout=0.5)}
    yield server
    for key in server.scan_iter(":1:otklik:answers:10.9.*"):
        server.delete(key)


def test_the_limit_counts_in_redis_with_the_windows_expiry(redis_cache, settings):
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    settings.OTKLIK_RATE_LIMIT_WINDOW_SECONDS = 600
    ip = f"10.9.{os.getpid() % 250}.{int(time.time()) % 250}"
    start = time.time()
    assert [answer_rate_exceeded(client_ip=ip, now=start) for _ in range(3)] == [False, False, True]
    [key] = list(redis_cache.scan_iter(f":1:otklik:answers:{ip}:*"))
    assert int(redis_cache.get(key)) == 3
    assert 600 < redis_cache.ttl(key) <= 660  # the window and a minute


def test_a_connection_the_server_closed_is_replaced_without_losing_the_count(redis_cache, settings, caplog):
    """The thread's Redis connection outlives a request; one the server dropped meanwhile is made anew."""
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    ip = f"10.9.{os.getpid() % 250}.{int(time.time()) % 250 + 1}"
    assert answer_rate_exceeded(client_ip=ip) is False
    held = spam._local.held[1]  # this thread's connection, kept between answers
    held.send_command("CLIENT", "ID")
    redis_cache.client_kill_filter(_id=held.read_response())  # as a restart or an idle timeout does
    with caplog.at_level(logging.WARNING, logger="otklik.surveys.spam"):
        assert answer_rate_exceeded(client_ip=ip) is False
        assert answer_rate_exceeded(client_ip=ip) is True  # the third in the window: the count went on
    assert not [record for record in caplog.records if "unavailable" in record.getMessage()]


def test_a_count_never_read_is_not_taken_for_the_next_answers(redis_cache, settings):
    """A request that fails between counting and reading leaves a reply on its thread's connection: dropped."""
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    ip = f"10.9.{os.getpid() % 250}.{int(time.time()) % 250 + 2}"
    spam.answer_rate_count(client_ip=ip)  # counted (1), never read
    assert answer_rate_exceeded(client_ip=ip) is False  # 2
    assert answer_rate_exceeded(client_ip=ip) is True  # 3, over the limit of 2
