"""Login throttling: counters in the cache per account and per client address.

After too many failures in a window the key cools down for a few minutes, then it may try again:
an attacker is slowed to a handful of guesses an hour and the real user is never locked out for good.
If the cache is away the check fails open (logged): logging in matters more than the counter.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(kind: str, value: str, suffix: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login:{kind}:{digest}:{suffix}"


def _limits(*, username: str, address: str) -> list[tuple[str, str, int]]:
    limits = [("account", username, settings.OTKLIK_LOGIN_FAILURES_PER_ACCOUNT)]
    if address:
        limits.append(("address", address, settings.OTKLIK_LOGIN_FAILURES_PER_ADDRESS))
    return [(kind, value, limit) for kind, value, limit in limits if value.strip()]


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds before this account or address may try again; 0 when it may now."""
    keys = [_key(kind, value, "until") for kind, value, _limit in _limits(username=username, address=address)]
    try:
        until = cache.get_many(keys)
    except Exception:
        logger.exception("login throttle: the cache is unreachable, the check is skipped")
        return 0
    wait = max((float(value) - time.time() for value in until.values()), default=0)
    return max(0, math.ceil(wait))


def login_failure_note(*, username: str, address: str) -> None:
    """Count a failed login; the key that reaches its limit cools down."""
    window, cooldown = settings.OTKLIK_LOGIN_WINDOW_SECONDS, settings.OTKLIK_LOGIN_COOLDOWN_SECONDS
    for kind, value, limit in _limits(username=username, address=address):
        counter = _key(kind, value, "failures")
        try:
            cache.add(counter, 0, window)
            try:
                failures = cache.incr(counter)
            except ValueError:  # the counter expired between add and incr
                cache.set(counter, 1, window)
                failures = 1
            if failures >= limit:
                cache.set(_key(kind, value, "until"), time.time() + cooldown, cooldown)
                cache.delete(counter)
        except Exception:
            logger.exception("login throttle: the cache is unreachable, a failure is not counted")


def login_success_note(*, username: str) -> None:
    """A right password clears the account's failures (not the address's: one guess right proves little)."""
    try:
        cache.delete(_key("account", username, "failures"))
    except Exception:
        logger.exception("login throttle: the cache is unreachable")
