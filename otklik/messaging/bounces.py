"""Bounce reports (RFC 3464 delivery status notifications) that arrive after the SMTP server accepted a message.

A relay accepts the message, tries the recipient's server later and mails a
report back to the sender. A permanent failure ("Action: failed", status 5.x.x)
marks the address invalid on every customer record that has it (customers/bounces.py),
and the outbox row the report quotes (by its Message-ID) records the answer (here).
"""

import email
import email.policy
from dataclasses import dataclass

from otklik.messaging.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class Bounce:
    address: str
    status: str
    diagnostic: str


def bounces_read(raw: bytes) -> tuple[list[Bounce], str]:
    """The permanent failures in a report, and the Message-ID of the message it is about ("" if not quoted)."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    bounces, message_id = [], ""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else []:  # the first block is about the message
                action = str(block.get("Action", "")).strip().lower()
                status = str(block.get("Status", "")).strip()
                recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
                if action == "failed" and status.startswith("5") and "@" in address:
                    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
                    bounces.append(Bounce(address=address, status=status, diagnostic=diagnostic))
        elif kind in ("text/rfc822-headers", "message/rfc822") and not message_id:
            quoted = part.get_payload()
            if isinstance(quoted, list):  # message/rfc822 parses into the quoted message
                message_id = str(quoted[0].get("Message-ID", "")).strip()
            else:
                message_id = str(email.message_from_string(str(quoted)).get("Message-ID", "")).strip()
    return bounces, message_id


def bounce_record(*, bounce: Bounce, message_id: str) -> None:
    """Fail the outbox row a report quotes (by its Message-ID), with the relay's answer."""
    answer = f"Bounced after sending: {bounce.status} {bounce.diagnostic}".strip()
    for message in OutboxMessage.objects.filter(recipient__iexact=bounce.address, channel="email"):
        if message_id and message_id.startswith(f"<{message.key.replace(':', '.')}@"):
            OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED, last_error=answer[:2000])
