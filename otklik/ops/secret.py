"""The secret key signs sessions, unsubscribe links and Telegram /start links: production must have its own."""

from django.conf import settings

HOW_TO_SET = (
    "Set OTKLIK_SECRET_KEY to a long random value, or OTKLIK_SECRET_KEY_FILE to a file holding one "
    "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > /etc/otklik/secret_key). "
    "Keep the previous key in OTKLIK_SECRET_KEY_FALLBACKS while links signed with it are still out there."
)


def key_is_weak(key: str) -> bool:
    """Django's own measure (security.W009): shorter than 50 characters, or fewer than 5 distinct ones."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def secret_key_problem() -> str | None:
    """Why this configuration's secret key is not fit for a real deployment, or None when it is."""
    if not settings.OTKLIK_SECRET_KEY_SOURCE:
        return f"No secret key is configured. {HOW_TO_SET}"
    if key_is_weak(settings.SECRET_KEY):
        return (
            f"The secret key from {settings.OTKLIK_SECRET_KEY_SOURCE} is too weak "
            f"(at least 50 characters, not guessable). {HOW_TO_SET}"
        )
    return None


def startup_refusal() -> str | None:
    """What `otklik serve` and `otklik worker` say instead of starting; None lets them start.

    Debug mode (OTKLIK_DEBUG=true) is for one's own machine and may run on the development key.
    """
    if settings.DEBUG:
        return None
    problem = secret_key_problem()
    return f"Refusing to start: {problem}" if problem else None
