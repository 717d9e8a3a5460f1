"""Spam guard for the public answer page: a per-IP limit on answers, kept in Django's cache."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

logger = logging.getLogger(__name__)

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
    current = int((time.time() if now is None else now) // window)
    key = f"otklik:answers:{client_ip or 'unknown'}:{current}"
    try:
        # add() is a no-op when the key exists, so the first attempt of a window starts at 0.
        cache.add(key, 0, timeout=window + 60)
        count = cache.incr(key)
    except (DatabaseError, ValueError):
        # A broken cache must not lose a real customer's answer; let it through and say so.
        logger.warning("answer rate limit cache unavailable; letting the answer through", exc_info=True)
        return False
    return count > limit


def is_honeypot_filled(data) -> bool:
    """True when the hidden `website` field came back filled: a bot, not a person."""
    return bool((data.get(HONEYPOT_FIELD) or "").strip())
