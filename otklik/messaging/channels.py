"""Delivery channels: one small class per channel behind one interface.

A channel raises TransportError; `permanent=True` means retrying cannot help
(a malformed address), so the outbox stops trying at once.
"""

import http.client
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Channel:
    name = ""

    def send(self, *, recipient: str, subject: str, body: str, message_key: str) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def send(self, *, recipient: str, subject: str, body: str, message_key: str) -> None:
        if "@" not in recipient or "\n" in recipient:
            raise TransportError(f"not an e-mail address: {recipient!r}", permanent=True)
        # A stable Message-ID lets the receiving side drop a copy if a worker dies
        # after the SMTP server accepted the message but before we recorded it.
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[recipient],
            headers={"Message-ID": f"<{message_key.replace(':', '.')}@{domain}>"},
        )
        try:
            message.send(fail_silently=False)
        except (OSError, ValueError) as exc:  # SMTP errors are OSError subclasses
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc


class HttpChannel(Channel):
    """A channel that POSTs JSON to an HTTP API; owns the timeout and the error mapping.

    No retry here: a temporary TransportError sends the message back to the outbox,
    which retries with backoff, so a slow API never holds a worker for long.
    """

    timeout_seconds = 10

    def is_permanent(self, status: int) -> bool:
        """Client errors will fail the same way again; rate limits and server errors may pass later."""
        return 400 <= status < 500 and status not in (408, 429)

    def describe(self, status: int, body: bytes) -> str:
        return body.decode("utf-8", "replace")[:500]

    def post_json(self, url: str, payload: dict, *, label: str) -> bytes:
        """POST `payload` to `url`; `label` names the endpoint in errors, since the URL may hold a secret."""
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = self.describe(exc.code, exc.read())
            raise TransportError(
                f"{label} answered HTTP {exc.code}: {detail}", permanent=self.is_permanent(exc.code)
            ) from exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts and resets are OSErrors
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"{label} could not be reached: {reason}") from exc


class TelegramChannel(HttpChannel):
    """The Telegram Bot API; the recipient is a chat id.

    400 (chat not found) and 403 (the user blocked the bot) are permanent; 429 and
    5xx are temporary. The base URL is a setting so tests and self-hosted Bot API
    servers can stand in for api.telegram.org.
    """

    name = "telegram"
    max_length = 4096  # Telegram refuses longer messages outright

    def describe(self, status: int, body: bytes) -> str:
        try:
            return str(json.loads(body).get("description", ""))[:500] or super().describe(status, body)
        except (ValueError, AttributeError):
            return super().describe(status, body)

    def send(self, *, recipient: str, subject: str, body: str, message_key: str) -> None:
        token = getattr(settings, "OTKLIK_TELEGRAM_BOT_TOKEN", "")
        if not token:
            raise TransportError("Telegram is not configured: set OTKLIK_TELEGRAM_BOT_TOKEN.", permanent=True)
        if not recipient.strip():
            raise TransportError("no Telegram chat id", permanent=True)
        base_url = getattr(settings, "OTKLIK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
        text = f"{subject}\n\n{body}" if subject else body
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        self.post_json(
            f"{base_url}/bot{token}/sendMessage",
            {"chat_id": recipient.strip(), "text": text},
            label="Telegram",
        )


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in [EmailChannel(), TelegramChannel()]}
