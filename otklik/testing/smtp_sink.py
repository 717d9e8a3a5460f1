"""A local SMTP server that keeps what it receives: for tests and for bench/dispatch.py.

It speaks real SMTP (aiosmtpd), so Django's SMTP backend, its connection
handling and the server's answers are all exercised. Recipients whose local
part starts with "bounce" are refused with a 550, as a real server refuses an
unknown mailbox. bench/dispatch.py uses the leaner otklik.testing.lean_smtp by
default (`--sink aiosmtpd` for this one).
"""

import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from otklik.testing.lean_smtp import record_message


@dataclass
class SinkHandler:
    keep_messages: bool = True  # False keeps only Message-IDs (the benchmark receives 100 000 messages)
    message_ids: list[str] = field(default_factory=list)
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    sessions: int = 0  # EHLO greetings: one per SMTP connection

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].startswith("bounce"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        record_message(self, raw)
        return "250 Message accepted for delivery"


def start_sink(*, keep_messages: bool = True, port: int = 0) -> tuple[Controller, SinkHandler]:
    """Start a sink on 127.0.0.1 in a thread; returns the controller (its .port is bound) and the handler."""
    handler = SinkHandler(keep_messages=keep_messages)
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller, handler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
