"""Spam guard for the public answer page: a per-IP limit on answers, kept in Django's cache.

The IP is the client's real address: behind a trusted proxy otklik.ops.proxies has already put it in
REMOTE_ADDR. The cache is a convenience, never a condition: when it is down or hung the answer goes
through (settings.CACHE_TIMEOUT_SECONDS bounds the wait) and the failure is logged.
"""

import logging
import threading
import time

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
    limit = settings.OTKLIK_RATE_LIMIT_ANSWERS
    window = settings.OTKLIK_RATE_LIMIT_WINDOW_SECONDS
    if limit <= 0 or window <= 0:
        return False
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return False
    current = int((time.time() if now is None else now) // window)
    key = f"otklik:answers:{client_ip or 'unknown'}:{current}"
    try:
        count = _count(key, timeout=window + 60)
    except Exception:  # noqa: BLE001  (Redis, the database cache or a hung socket: each has its own errors)
        # A broken cache must not lose a real customer's answer; let it through and say so.
        _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
        logger.warning("answer rate limit cache unavailable; letting answers through for a while", exc_info=True)
        return False
    return count > limit


def _count(key: str, *, timeout: float) -> int:
    """Add one to the window's count: one cache round trip except for the window's first answer."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django's incr() asks Redis whether the key exists first; INCR alone makes a missing key 1.
        return _redis_incr(backend, backend.make_and_validate_key(key), int(timeout))
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
# cost half of the INCR's CPU in the request (decision 00NN). Before that, Django built a whole client per call
# (decision 0030).
_local = threading.local()


def _redis_incr(backend: RedisCache, key: str, timeout: int) -> int:
    """INCR `key` and, for the window's first answer, set its expiry; over this thread's own connection."""
    pool = backend._cache._get_connection_pool(write=True)
    held = getattr(_local, "held", None)
    if held is None or held[0] is not pool:
        return _incr_on(_connect(pool), key, timeout)
    try:
        return _incr_on(held[1], key, timeout)
    except redis.exceptions.ConnectionError:
        # The server closed the connection since this thread's last answer (a restart, an idle timeout): once
        # more on a fresh one, as redis-py's client retries. A timeout is not retried: it would wait twice.
        return _incr_on(_connect(pool), key, timeout)


def _connect(pool):
    connection = pool.make_connection()
    _local.held = (pool, connection)
    return connection


def _incr_on(connection, key: str, timeout: int) -> int:
    try:
        connection.send_command("INCR", key)
        count = connection.read_response()
        if count == 1:
            connection.send_command("EXPIRE", key, timeout)
            connection.read_response()
    except BaseException:
        # Whatever was half sent or half read must not be read as the next answer's count: start afresh.
        connection.disconnect()
        _local.held = None
        raise
    return count


def is_honeypot_filled(data) -> bool:
    """True when the hidden `website` field came back filled: a bot, not a person."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())
