"""Spam guard for the public answer page: a per-IP limit on answers, kept in Django's cache.

The IP is the client's real address: behind a trusted proxy otklik.ops.proxies has already put it in
REMOTE_ADDR. The cache is a convenience, never a condition: when it is down or hung the answer goes
through (settings.CACHE_TIMEOUT_SECONDS bounds the wait) and the failure is logged.
"""

import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# After a cache failure, answers skip the cache for this long instead of each paying the timeout again.
CACHE_RETRY_SECONDS = 10.0
_cache_down_until = 0.0

# The honeypot: a field hidden from people, which form-filling bots fill in.
HONEYPOT_FIELD = "website"


def answer_rate_exceeded(*, client_ip: str, now: float | None = None) -> bool:
    """Count one answer attempt from `client_ip`; True when it goes over the limit.

    A fixed window (OTKLIK_RATE_LIMIT_ANSWERS per OTKLIK_RATE_LIMIT_WINDOW_SECONDS):
    crude, but one cache key per IP and window is all it costs.
    """
    return answer_rate_count(client_ip=client_ip, now=now)()


def answer_rate_count(*, client_ip: str, now: float | None = None) -> Callable[[], bool]:
    """`answer_rate_exceeded` in two steps: count the attempt now, learn whether it is over the limit when the
    returned function is called. On Redis the INCR is sent here and its reply read in the call, so the request
    does its own work (the form's checks) meanwhile instead of sleeping on the round trip. Call it once, soon.
    """
    limit = settings.OTKLIK_RATE_LIMIT_ANSWERS
    window = settings.OTKLIK_RATE_LIMIT_WINDOW_SECONDS
    if limit <= 0 or window <= 0 or time.monotonic() < _cache_down_until:
        return _not_exceeded
    current = int((time.time() if now is None else now) // window)
    key = f"otklik:answers:{client_ip or 'unknown'}:{current}"
    backend = caches["default"]
    try:
        if isinstance(backend, RedisCache):
            # Django's incr() asks Redis whether the key exists first; INCR alone makes a missing key 1.
            read = _redis_incr(backend, backend.make_and_validate_key(key), int(window) + 60)
        else:
            count = _count(key, timeout=window + 60)

            def read():
                return count
    except Exception:  # noqa: BLE001  (Redis, the database cache or a hung socket: each has its own errors)
        _cache_failed()
        return _not_exceeded

    def exceeded() -> bool:
        try:
            return read() > limit
        except Exception:  # noqa: BLE001  (as above)
            _cache_failed()
            return False

    return exceeded


def _not_exceeded() -> bool:
    return False


def _cache_failed() -> None:
    # A broken cache must not lose a real customer's answer; let it through and say so.
    global _cache_down_until
    _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
    logger.warning("answer rate limit cache unavailable; letting answers through for a while", exc_info=True)


def _count(key: str, *, timeout: float) -> int:
    """Add one to the window's count in Django's cache (the database's): one round trip but the window's first."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first answer: no key yet
        # add() is a no-op when another answer made the key in between; then count on it.
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)


# One Redis connection per thread (gunicorn's threads each serve one request at a time), made by the cache's
# connection pool so it has the pool's address and timeouts, but kept out of the pool: taking a connection from
# a pool and giving it back (a lock, a check that nothing is left to read) and redis-py's command machinery
# cost half of the INCR's CPU in the request (decision 0033). Before that, Django built a whole client per call
# (decision 0030).
_local = threading.local()


def _redis_incr(backend: RedisCache, key: str, timeout: int) -> Callable[[], int]:
    """Send INCR `key` over this thread's own connection; the returned function reads the count (and, for the
    window's first answer, sets the key's expiry)."""
    pool = backend._cache._get_connection_pool(write=True)
    held = getattr(_local, "held", None)
    if held is not None and (held[0] is not pool or held[2]):
        # Another cache's connection, or one whose last reply was never read (its request failed in between):
        # that reply must not be read as this answer's count.
        held[1].disconnect()
        held = None
    # A connection the server closed since this thread's last answer (a restart, an idle timeout) fails on the
    # send or, more often, on the read: then once more on a fresh one, as redis-py's client retries. A timeout
    # is not retried: it would wait twice.
    fresh = held is None
    connection = _connect(pool) if fresh else held[1]
    try:
        _send(connection, "INCR", key)
    except redis.exceptions.ConnectionError:
        if fresh:
            raise
        fresh, connection = True, _connect(pool)
        _send(connection, "INCR", key)

    def read() -> int:
        nonlocal connection
        try:
            count = _read(connection)
        except redis.exceptions.ConnectionError:
            if fresh:
                raise
            connection = _connect(pool)
            _send(connection, "INCR", key)
            count = _read(connection)
        if count == 1:
            _send(connection, "EXPIRE", key, timeout)
            _read(connection)
        return count

    return read


def _connect(pool):
    connection = pool.make_connection()
    _local.held = [pool, connection, False]
    return connection


def _send(connection, *command) -> None:
    try:
        connection.send_command(*command)
    except BaseException:
        _drop(connection)
        raise
    _local.held[2] = True  # a reply is owed


def _read(connection):
    try:
        reply = connection.read_response()
    except BaseException:
        # Whatever was half read must not be read as the next answer's count: start afresh.
        _drop(connection)
        raise
    _local.held[2] = False
    return reply


def _drop(connection) -> None:
    connection.disconnect()
    _local.held = None


def is_honeypot_filled(data) -> bool:
    """True when the hidden `website` field came back filled: a bot, not a person."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())
