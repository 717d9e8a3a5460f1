"""Delivery channels: one small class per channel behind one interface.

A channel raises TransportError; `permanent=True` means retrying cannot help
(a malformed address), so the outbox stops trying at once.
"""

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


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in [EmailChannel()]}
