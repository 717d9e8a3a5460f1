"""Delivery channels: one small class per channel behind one interface.

A channel raises TransportError; `permanent=True` means retrying cannot help,
so the outbox stops trying at once. `bad_address=True` says the recipient
itself is the problem (a bounce, an unknown number, a blocked bot): the outbox
then marks the customer's address invalid so nobody sends to it again.
"""

import base64
import http.client
import json
import smtplib
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, bad_address: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or bad_address
        self.bad_address = bad_address


class Channel:
    name = ""

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        """Deliver one message or raise TransportError; `headers` matter to e-mail only."""
        raise NotImplementedError


class EmailChannel(Channel):
    """E-mail through Django's e-mail framework (EMAIL_BACKEND).

    With the SMTP backend each worker thread keeps its connection open between
    messages: a new connection costs a TCP handshake, EHLO (and TLS, AUTH) and
    QUIT per message, more than the message itself. A connection idle longer than
    `idle_seconds` is replaced, before the server's own timeout closes it.
    """

    name = "email"
    idle_seconds = 30

    def __init__(self):
        self._local = threading.local()

    def _connection(self, *, fresh: bool = False):
        """The thread's open SMTP connection, or None for other backends (locmem, files), which open per send."""
        connection = getattr(self._local, "connection", None)
        where = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)
        if connection is not None and (
            fresh or self._local.where != where or time.monotonic() - self._local.used_at > self.idle_seconds
        ):
            self._drop_connection()
            connection = None
        if connection is None:
            connection = get_connection(fail_silently=False)
            if not isinstance(connection, SmtpBackend):
                return None
            connection.open()
            sock = getattr(connection.connection, "sock", None)
            if sock is not None:
                # Each SMTP command waits for its reply; without this, Nagle's algorithm holds back small writes.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection, self._local.where = connection, where
        self._local.used_at = time.monotonic()
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail any way; it is dropped regardless
                pass

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        if "@" not in recipient or "\n" in recipient:
            raise TransportError(f"not an e-mail address: {recipient!r}", bad_address=True)
        # A stable Message-ID lets the receiving side drop a copy if a worker dies
        # after the SMTP server accepted the message but before we recorded it.
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[recipient],
            headers={**(headers or {}), "Message-ID": f"<{message_key.replace(':', '.')}@{domain}>"},
        )
        try:
            message.connection = self._connection()
            try:
                message.send(fail_silently=False)
            except smtplib.SMTPServerDisconnected:
                if message.connection is None:
                    raise
                # The server closed the kept connection (a restart, its idle timeout): once more on a new one.
                message.connection = self._connection(fresh=True)
                message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:  # the connection stays usable (smtplib sent RSET)
            # 5xx for the recipient ("550 no such user") is a hard bounce; 4xx (greylisting) may pass later.
            answers = "; ".join(f"{code} {reply.decode('utf-8', 'replace')}" for code, reply in exc.recipients.values())
            hard = all(code >= 500 for code, _reply in exc.recipients.values())
            raise TransportError(f"the mail server refused {recipient}: {answers}", bad_address=hard) from exc
        except (OSError, ValueError) as exc:  # other SMTP errors are OSError subclasses
            self._drop_connection()  # after a broken exchange the next message starts on a fresh connection
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

    def error_for(self, status: int, body: bytes, *, label: str) -> TransportError:
        """The TransportError for an HTTP error answer; subclasses read the provider's own error codes."""
        detail = self.describe(status, body)
        return TransportError(f"{label} answered HTTP {status}: {detail}", permanent=self.is_permanent(status))

    def post_json(self, url: str, payload: dict, *, label: str) -> bytes:
        """POST `payload` to `url`; `label` names the endpoint in errors, since the URL may hold a secret."""
        return self.post(
            url, json.dumps(payload).encode("utf-8"), headers={"Content-Type": "application/json"}, label=label
        )

    def post(self, url: str, data: bytes, *, headers: dict[str, str], label: str) -> bytes:
        """POST `data`; returns the answer's body or raises TransportError."""
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise self.error_for(exc.code, exc.read(), label=label) from exc
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

    def error_for(self, status: int, body: bytes, *, label: str) -> TransportError:
        error = super().error_for(status, body, label=label)
        # 403 "bot was blocked by the user" and 400 "chat not found" are about this chat; 401 is our token,
        # and other 400s ("message is too long") are about the message.
        error.bad_address = status == 403 or (status == 400 and "chat not found" in error.message.lower())
        return error

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        token = getattr(settings, "OTKLIK_TELEGRAM_BOT_TOKEN", "")
        if not token:
            raise TransportError("Telegram is not configured: set OTKLIK_TELEGRAM_BOT_TOKEN.", permanent=True)
        if not recipient.strip():
            raise TransportError("no Telegram chat id", bad_address=True)
        base_url = getattr(settings, "OTKLIK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
        text = f"{subject}\n\n{body}" if subject else body
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        self.post_json(
            f"{base_url}/bot{token}/sendMessage",
            {"chat_id": recipient.strip(), "text": text},
            label="Telegram",
        )


class SmsChannel(HttpChannel):
    """SMS through Twilio's Messages API (or any server speaking it): form-encoded POST, HTTP basic auth.

    `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with To, Body and
    From (a number or an alphanumeric sender id) or MessagingServiceSid ("MG…").
    Errors come back as JSON `{"code": 21211, "message": …, "status": 400}`; the
    code, not the HTTP status, says whether the number itself is bad.
    """

    name = "sms"
    max_length = 1600  # Twilio refuses longer bodies (error 21617)
    # The number is invalid, not a mobile, unreachable, or has opted out (replied STOP to the sender).
    BAD_NUMBER_CODES = {21211, 21214, 21217, 21401, 21407, 21421, 21610, 21612, 21614}
    # Our side is wrong (credentials, sender, region not enabled): no retry helps, but the customer's number is fine.
    CONFIGURATION_CODES = {20003, 20404, 21212, 21408, 21606, 21659, 21660, 21617}

    def describe(self, status: int, body: bytes) -> str:
        try:
            answer = json.loads(body)
            return f"{answer.get('code', '')} {answer.get('message', '')}".strip()[:500] or super().describe(
                status, body
            )
        except (ValueError, AttributeError):
            return super().describe(status, body)

    def error_for(self, status: int, body: bytes, *, label: str) -> TransportError:
        try:
            code = int(json.loads(body).get("code"))
        except (ValueError, TypeError, AttributeError):
            code = None
        detail = self.describe(status, body)
        if code in self.BAD_NUMBER_CODES:
            return TransportError(f"{label} refused the number: {detail}", bad_address=True)
        permanent = code in self.CONFIGURATION_CODES or (code is None and self.is_permanent(status))
        return TransportError(f"{label} answered HTTP {status}: {detail}", permanent=permanent and status != 429)

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        account, key = settings.OTKLIK_SMS_ACCOUNT_SID, settings.OTKLIK_SMS_API_KEY
        sender = settings.OTKLIK_SMS_FROM
        if not (account and key and sender):
            raise TransportError(
                "SMS is not configured: set OTKLIK_SMS_ACCOUNT_SID, OTKLIK_SMS_API_KEY and OTKLIK_SMS_FROM.",
                permanent=True,
            )
        digits = "".join(ch for ch in recipient if ch.isdigit())
        if not 8 <= len(digits) <= 15:  # E.164 allows at most 15 digits
            raise TransportError(f"not a phone number: {recipient!r}", bad_address=True)
        # A non-breaking space switches the whole message to UCS-2 and halves the characters per SMS.
        text = body.replace("\u00a0", " ")
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        form = {"To": f"+{digits}", "Body": text}
        form["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        credentials = base64.b64encode(f"{account}:{key}".encode()).decode("ascii")
        base_url = settings.OTKLIK_SMS_API_URL.rstrip("/")
        self.post(
            f"{base_url}/2010-04-01/Accounts/{urllib.parse.quote(account)}/Messages.json",
            urllib.parse.urlencode(form).encode("utf-8"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {credentials}",
                "Accept": "application/json",
            },
            label="SMS gateway",
        )


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in [EmailChannel(), TelegramChannel(), SmsChannel()]}
