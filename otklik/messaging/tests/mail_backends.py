"""E-mail backends that misbehave on purpose, for the outbox reliability tests."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class DisconnectingBackend(BaseEmailBackend):
    """An SMTP server that drops the connection: a temporary failure."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class HangingFileBackend(FileBackend):
    """The file backend, except that it never returns from a message whose subject holds "[hang]".

    It hangs only while the file named by OTKLIK_TEST_HANG_FLAG exists, and first
    drops a marker next to that flag, so a test knows the worker is stuck mid-send
    (claimed, nothing written) and can kill it exactly there.
    """

    def send_messages(self, email_messages):
        flag = Path(os.environ.get("OTKLIK_TEST_HANG_FLAG", "/nonexistent"))
        for message in email_messages:
            if "[hang]" in message.subject and flag.exists():
                (flag.parent / f"hanging-{message.to[0]}").touch()
                time.sleep(3600)
        return super().send_messages(email_messages)


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers RCPT TO with a hard bounce (as Gmail does for an unknown user)."""

    def send_messages(self, email_messages):
        reply = b"5.1.1 The email account that you tried to reach does not exist"
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, reply) for message in email_messages})


class GreylistingBackend(BaseEmailBackend):
    """A mail server that defers the recipient for now: a temporary failure."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {m.to[0]: (451, b"4.7.1 Greylisted, try again later") for m in email_messages}
        )


class OneFilePerMessageBackend(BaseEmailBackend):
    """Writes each message to its own file under EMAIL_FILE_PATH, named by process and count.

    The file backend names a file by time and object id, which two worker processes
    may share; one file per message keeps a count of deliveries exact.
    """

    def send_messages(self, email_messages):
        from django.conf import settings

        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            OneFilePerMessageBackend.written += 1
            path = folder / f"{os.getpid()}-{OneFilePerMessageBackend.written}.eml"
            path.write_bytes(message.message().as_bytes())
        return len(email_messages)

    written = 0


class WorkerKilled(BaseException):
    """Stands in for SIGKILL in one process: no `except Exception` catches it, nothing after it runs."""


class KilledMidBatchBackend(BaseEmailBackend):
    """Delivers to `django.core.mail.outbox` like locmem, but the worker "dies" while sending a "[kill]" subject.

    The message in flight is not delivered: the process dies before the server accepted it.
    """

    def send_messages(self, email_messages):
        from django.core import mail

        for message in email_messages:
            if "[kill]" in message.subject:
                raise WorkerKilled(message.subject)
            mail.outbox.append(message)
        return len(email_messages)
