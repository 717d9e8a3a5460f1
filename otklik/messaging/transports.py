"""How channels reach their providers: the error type, a kept SMTP connection, and an HTTP POST with its errors.

The facts of each channel live in channels.py; this is the plumbing they share.
"""

import base64
import functools
import hashlib
import hmac
import http.client
import json
import re
import smtplib
import socket
import threading
import time
import urllib.error
import urllib.request
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address


class TransportError(Exception):
    """A message not sent. `permanent=True`: retrying cannot help, so the outbox stops trying at once.
    `bad_address=True`: the recipient itself is the problem (a bounce, an unknown number, a blocked bot);
    the outbox then marks the customer's address undeliverable so nobody sends to it again.
    """

    def __init__(self, message: str, *, permanent: bool = False, bad_address: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or bad_address
        self.bad_address = bad_address


class SmtpConnections:
    """Each worker thread's open SMTP connection, kept between messages.

    A new connection costs a TCP handshake, EHLO (and TLS, AUTH) and QUIT per
    message, more than the message itself. A connection idle longer than
    `idle_seconds` is replaced, before the server's own timeout closes it.
    """

    def __init__(self, *, idle_seconds: float):
        self.idle_seconds = idle_seconds
        self._local = threading.local()

    def get(self, *, fresh: bool = False):
        """The thread's open SMTP connection, or None for other backends (locmem, files), which open per send."""
        connection = getattr(self._local, "connection", None)
        where = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)
        if connection is not None and (
            fresh or self._local.where != where or time.monotonic() - self._local.used_at > self.idle_seconds
        ):
            self.drop()
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

    def drop(self) -> None:
        """Close the thread's connection, if any; the next `get` opens a new one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail any way; it is dropped regardless
                pass


# A bare dot-atom address in ASCII: Django's sanitize_address returns it as it is.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")


def smtp_address(address: str) -> str:
    """An address as Django's SMTP backend writes it (IDN domains in punycode, a display name encoded).

    Django parses every address with the email package's header parser, which cost more than writing the
    whole message; a plain address, nearly every customer's, needs none of it.
    """
    return address if _PLAIN_ADDRESS.match(address) else _sanitized(address)


@functools.lru_cache(maxsize=64)
def _sanitized(address: str) -> str:
    return sanitize_address(address, "utf-8")


@functools.lru_cache(maxsize=16)
def _envelope_address(address: str) -> str:
    """The <addr-spec> of an address for MAIL FROM / RCPT TO, as smtplib's quoteaddr finds it."""
    return smtplib.quoteaddr(address)


def smtp_sendmail(smtp: smtplib.SMTP, *, sender: str, recipient: str, data: bytes) -> None:
    """`smtp.sendmail(sender, [recipient], data)` for one recipient, raising what it raises.

    smtplib parses both addresses with the e-mail package's address parser for every message (the
    sender, always the same, and a recipient that is nearly always a bare ASCII address); here the sender
    is parsed once and a bare recipient not at all. Anything else goes through smtplib itself.
    """
    if not (recipient.isascii() and _PLAIN_ADDRESS.match(recipient) and sender.isascii()):
        smtp.sendmail(sender, [recipient], data)
        return
    smtp.ehlo_or_helo_if_needed()
    size = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        _smtp_pipelined(smtp, sender=sender, recipient=recipient, data=data, size=size)
        return
    smtp.putcmd("mail", f"FROM:{_envelope_address(sender)}{size}")
    code, reply = smtp.getreply()
    if code != 250:
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    smtp.putcmd("rcpt", f"TO:<{recipient}>")
    code, reply = smtp.getreply()
    if code not in (250, 251):
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.data(data)
    if code != 250:
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _smtp_pipelined(smtp: smtplib.SMTP, *, sender: str, recipient: str, data: bytes, size: str) -> None:
    """MAIL, RCPT and DATA in one write, their three replies read after (RFC 2920), then the message.

    Every relay we send through in production (Postfix, Exim, the providers' SMTP endpoints) advertises
    PIPELINING: a message then costs two writes and two waits for the server instead of four, which was
    most of the sending thread's socket work. The replies are read in order, all three, before acting on
    any of them: a refused sender or recipient makes the server answer DATA with 503/554, and the
    transaction is reset as smtplib resets it.
    """
    smtp.send(f"MAIL FROM:{_envelope_address(sender)}{size}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n")
    (mail, mail_reply), (rcpt, rcpt_reply), (go, go_reply) = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if go == 354 and (mail != 250 or rcpt not in (250, 251)):
        # A server that let DATA through after a refusal waits for the message: end it empty, then reset.
        smtp.send(b".\r\n")
        smtp.getreply()
    if mail != 250:
        _smtp_abandon(smtp, mail)
        raise smtplib.SMTPSenderRefused(mail, mail_reply, sender)
    if rcpt not in (250, 251):
        _smtp_abandon(smtp, rcpt)
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt, rcpt_reply)})
    if go != 354:
        _smtp_abandon(smtp, go)
        raise smtplib.SMTPDataError(go, go_reply)
    quoted = smtplib._quote_periods(data)  # as smtplib.data() writes a message given as bytes
    if quoted[-2:] != b"\r\n":
        quoted += b"\r\n"
    smtp.send(quoted + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _smtp_abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as smtplib does: 421 means the server is closing, anything else is reset."""
    if code == 421:
        smtp.close()
    else:
        smtp._rset()


def _header_line(name: str, value: str) -> str:
    """One header, as Django's e-mail would write it: non-ASCII as RFC 2047 words, long ones folded."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"header {name} contains a line break")  # header injection; Django refuses it too
    if value.isascii() and name != "Subject" and len(name) + len(value) < 77:
        return f"{name}: {value}\r\n"
    if value.isascii() and name != "Subject":
        # Folded after the colon as Django does, and between list items (List-Unsubscribe's targets); a single
        # long item (a signed link) may pass 78 characters, never 998.
        return f"{name}: \r\n " + ",\r\n ".join(value.split(", ")) + "\r\n"
    return _encoded_line(name, value)


@functools.lru_cache(maxsize=256)
def _encoded_line(name: str, value: str) -> str:
    """A header as RFC 2047 words; cached, since a subject repeats for every letter about the same product."""
    encoded = Header(value, None if value.isascii() else "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n"


def email_bytes(*, from_email: str, recipient: str, subject: str, body: str, headers: dict[str, str]) -> bytes | None:
    """A plain-text UTF-8 message in wire form, as `EmailMessage(...).message().as_bytes()` writes it.

    Building it through the email package's generator cost more CPU than the sending (every header
    parsed, encoded and folded through Header objects); this writes the few headers a customer message
    has directly. None for a body Django would send quoted-printable (a line over 998 bytes): the caller
    then goes the ordinary way.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    data = "\r\n".join(lines).encode("utf-8")
    if any(len(line.encode("utf-8")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines if len(line) > 240):
        return None
    head = [
        'Content-Type: text/plain; charset="utf-8"\r\n',
        "MIME-Version: 1.0\r\n",
        f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}\r\n",
        _header_line("Subject", subject),
        _header_line("From", smtp_address(from_email)),
        _header_line("To", recipient if recipient.isascii() else smtp_address(recipient)),  # as Django does
        _header_line("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        *(_header_line(name, value) for name, value in headers.items()),
    ]
    return "".join(head).encode("ascii") + b"\r\n" + data


class HttpTransport:
    """POSTs to an HTTP API for a channel; owns the timeout and the error mapping.

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


def twilio_signature_valid(*, url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 (key: the auth token) of the URL and the sorted POST fields."""
    key = settings.OTKLIK_SMS_API_KEY
    if not key or not signature:
        return False
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    expected = base64.b64encode(hmac.new(key.encode(), payload.encode("utf-8"), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, signature)
