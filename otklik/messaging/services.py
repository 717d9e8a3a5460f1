"""The outbox: every message is written first and delivered by the worker.

Writing a message and its cause in one transaction means nothing accepted is
lost; the unique `key` means nothing is queued twice; the conditional claim
means two workers never send the same row.
"""

import dataclasses
import logging
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization
from otklik.batch import gather, insert_later_with_id, savepoints
from otklik.messaging.channels import CHANNELS, TransportError
from otklik.messaging.consent import (
    address_mark_invalid,
    address_message_dress,
    address_unsubscribed,
    customer_message_dress,
    customer_refusal,
)
from otklik.messaging.defaults import DEFAULTS, PLACEHOLDERS
from otklik.messaging.models import MessageTemplate, OutboxMessage, OutboxStatus, WorkerHeartbeat
from otklik.rows import bound_cursor, insert_rows

logger = logging.getLogger(__name__)

# Messages claimed at once: one statement and one read for the lot. A task holds one dispatch batch (200) and
# the sweep takes 200, so each is one claim; the last is still sent long before the claim is stale (200 at the
# slowest relay we have seen, 50 ms a message, take 10 s of a 5-minute claim). 50 cost four claims and four
# reads a task (decision 0081).
CLAIM_CHUNK = 200


def template_placeholders(text: str) -> set[str]:
    """The {names} a template uses; raises ValidationError on broken braces.

    A placeholder is a bare name: a conversion or format spec ("{name!r}",
    "{name:>{width}}") could fail or leak internals when the message is rendered.
    """
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            _("A placeholder has broken braces (%(problem)s). Write {name}, or {{ and }} for literal braces.")
            % {"problem": exc}
        ) from exc
    names = set()
    for _literal, field, format_spec, conversion in fields:
        if field is None:
            continue
        if format_spec or conversion:
            raise ValidationError(
                _("Write placeholders as a bare {name}, without “!” or “:”: {%(field)s} is not allowed.")
                % {"field": field}
            )
        names.add(field)
    return names


def template_validate(*, subject: str, body: str) -> None:
    """Refuse a template that names a placeholder we cannot fill, or has broken braces."""
    unknown = (template_placeholders(subject) | template_placeholders(body)) - PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in sorted(PLACEHOLDERS))
        raise ValidationError(
            _("Unknown placeholder(s): %(unknown)s. Allowed: %(allowed)s.")
            % {"unknown": ", ".join("{" + name + "}" for name in sorted(unknown)), "allowed": allowed}
        )


def template_for(*, organization: Organization, kind: str, language: str) -> tuple[str, str]:
    """The (subject, body) to use: the organization's edit, else the shipped default."""
    edited = MessageTemplate.objects.filter(organization=organization, kind=kind, language=language).first()
    if edited is not None:
        return edited.subject, edited.body
    by_language = DEFAULTS[kind]
    return by_language.get(language) or by_language["en"]


def template_save(*, organization: Organization, kind: str, language: str, subject: str, body: str) -> MessageTemplate:
    """Store a manager's version of a template after validating its placeholders."""
    if kind not in DEFAULTS:
        raise ValidationError(_("Unknown template kind: %(kind)s") % {"kind": kind})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language: %(language)s") % {"language": language})
    if not subject.strip() or not body.strip():
        raise ValidationError(_("A template needs both a subject and a body."))
    template_validate(subject=subject, body=body)
    template, _created = MessageTemplate.objects.update_or_create(
        organization=organization, kind=kind, language=language, defaults={"subject": subject, "body": body}
    )
    return template


def template_reset(*, organization: Organization, kind: str, language: str) -> bool:
    """Drop the organization's edit so the shipped default applies again. True if there was one."""
    deleted, _detail = MessageTemplate.objects.filter(organization=organization, kind=kind, language=language).delete()
    return bool(deleted)


def render_customer_message(
    *, organization: Organization, kind: str, language: str, context: dict[str, str]
) -> tuple[str, str]:
    """Fill the template in force with the case's values; missing values become empty."""
    return template_fill(template_for(organization=organization, kind=kind, language=language), context)


def template_fill(template: tuple[str, str], context: dict[str, str]) -> tuple[str, str]:
    """A (subject, body) template with the context's values; a placeholder without one becomes empty."""
    values = {name: context.get(name, "") for name in PLACEHOLDERS}
    subject, body = template
    # A line break in a header is refused by the mail library: a customer's name must not make a message unsendable.
    return " ".join(subject.format_map(values).split()), body.format_map(values)


def outbox_enqueue(
    *,
    organization: Organization,
    key: str,
    recipient: str,
    subject: str,
    body: str,
    kind: str,
    case=None,
    channel: str = "email",
    customer=None,
    headers: dict[str, str] | None = None,
    deliver: bool = True,
    address_language: str = "",
) -> OutboxMessage:
    """Queue a message once per key; delivery is attempted right after commit.

    A caller that queues many messages in one transaction passes `deliver=False`
    and hands their ids to `outbox_deliver_after_commit` once: one task sends
    them all, where a task per message would cost more than the sending.

    With a `customer`, the message carries a way to unsubscribe (a one-click link
    and the RFC 8058 headers for e-mail, a "reply STOP" line for SMS and
    Telegram), and the customer's consent and address are checked again right
    before sending, so an unsubscribe stops even messages already queued.
    A message to a customer known only by an address (the e-mail left with a
    complaint) passes `address_language` instead: it carries the same unsubscribe,
    which puts the address on the organization's suppression list.
    """
    headers = dict(headers or {})
    if customer is not None:
        body, unsubscribe = customer_message_dress(customer=customer, channel=channel, body=body)
        headers.update(unsubscribe)
    elif address_language:
        body, unsubscribe = address_message_dress(
            organization=organization, channel=channel, recipient=recipient, language=address_language, body=body
        )
        headers.update(unsubscribe)
    values = {
        "organization": organization,
        "recipient": recipient,
        "subject": subject[:300],
        "body": body,
        "kind": kind,
        "case": case,
        "channel": channel,
        "customer": customer,
        "headers": headers,
        "next_attempt_at": timezone.now(),
    }
    if savepoints():
        message, created = OutboxMessage.objects.get_or_create(key=key, defaults=values)
    else:
        # The worker's batch run without savepoints (decision 0040): its keys are new (a new case's, an answer's
        # first processing), so no look first and no savepoint, and the row is inserted with the batch's other
        # messages at its end; a key that exists after all raises there, and the batch is run again with
        # savepoints, where the row is found as above.
        message, created = OutboxMessage(key=key, **values), True
        if not insert_later_with_id(message):
            message.save(force_insert=True)
    if created and deliver:
        outbox_deliver_after_commit([message.pk])
    return message


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


@dataclass
class Letter:
    """One message for `outbox_enqueue_many`: the arguments `outbox_enqueue` takes, less the organization."""

    key: str
    recipient: str
    subject: str
    body: str
    kind: str
    channel: str = "email"
    customer: object = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


# Columns of a customer that writing or sending a letter never reads (name, addresses, consents, marks and
# language are read), left in the database: each column loaded costs a conversion per row (a timestamp) and an
# attribute on the instance (decision 0032, "Cutting CPU per message"). A column not named here is loaded.
CUSTOMER_UNREAD = (
    "external_id",
    "segment",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "customer_since",
    "created_at",
    "updated_at",
)
# What sending a claimed message never reads of its row.
SEND_UNREAD = ("last_error", "next_attempt_at", "claimed_at", "created_at", "sent_at")

# The columns `outbox_enqueue_many` writes, in the order of its rows' values.
OUTBOX_COLUMNS = (
    "organization",
    "key",
    "recipient",
    "subject",
    "body",
    "kind",
    "channel",
    "customer",
    "headers",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
)


def outbox_enqueue_many(*, organization: Organization, letters: list[Letter]) -> list[int]:
    """Queue many messages at once, each once per key (see `outbox_enqueue`); returns the ids of their rows.

    One INSERT for them all, returning the new rows' ids (values written as they are, not prepared field by
    field: see otklik.rows); one task sends them after the commit. A key already queued keeps its row,
    as with `outbox_enqueue`, and its id is looked up.
    """
    if not letters:
        return []
    now, rows = timezone.now(), []
    for letter in letters:
        body, headers = letter.body, dict(letter.headers)
        if letter.customer is not None:
            body, unsubscribe = customer_message_dress(customer=letter.customer, channel=letter.channel, body=body)
            headers.update(unsubscribe)
        customer_id = letter.customer.pk if letter.customer is not None else None
        rows.append(
            (organization.pk, letter.key, letter.recipient, letter.subject[:300], body, letter.kind, letter.channel)
            + (customer_id, headers, OutboxStatus.PENDING.value, 0, now, "", now)
        )
    ids = [row[0] for row in insert_rows(OutboxMessage, OUTBOX_COLUMNS, rows, ignore_conflicts=True, returning=["id"])]
    if len(ids) < len(rows):  # some keys were queued before: their rows stand, and are sent like the new ones
        ids = list(OutboxMessage.objects.filter(key__in=[row[1] for row in rows]).values_list("pk", flat=True))
    outbox_deliver_after_commit(ids)
    return ids


def outbox_deliver_after_commit(message_ids: list[int]) -> None:
    """Have the task queue send these messages once the current transaction commits, in one task."""
    from otklik.messaging.tasks import deliver_messages

    ids = list(message_ids)
    if gather("outbox_deliver", ids):  # the worker's batch of answers queues one task for all (decision 0030)
        return
    # robust: if the task queue (Redis) is down, the committed rows are still sent by the worker's outbox sweep.
    transaction.on_commit(lambda: deliver_messages.enqueue(message_ids=ids), robust=True)


def _claimable(now) -> Q:
    stale = now - timedelta(seconds=settings.OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, claimed_at__lt=stale
    )


def outbox_claim_many(*, message_ids: Iterable[int]) -> list[int]:
    """Atomically take those of these messages that are free for sending; returns the ids taken, in id order.

    One statement: the UPDATE takes the rows its subquery found free. A row another worker holds is skipped,
    not waited for (SKIP LOCKED on PostgreSQL; on SQLite one writer runs at a time). It was a savepoint, a
    locking SELECT, an UPDATE and a release: four round trips and the ORM's compiling for each chunk.
    """
    ids = list(message_ids)
    if not ids:
        return []
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS)
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "postgresql":
        wanted, lock = "id = ANY(%s)", " FOR UPDATE SKIP LOCKED"
        params = [ids]
    else:
        wanted, lock = f"id IN ({', '.join(['%s'] * len(ids))})", ""
        params = ids
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 WHERE id IN ("
        f"SELECT id FROM {table} WHERE {wanted}"
        " AND ((status = %s AND next_attempt_at <= %s) OR (status = %s AND claimed_at < %s))"
        f" ORDER BY id{lock}) RETURNING id"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # As the sent marks (ADR 0016): the claim's commit need not wait for the disk. Only a crash of the
        # database server may forget it, and then the message is free again, as after a stale claim.
        sql = sql.replace(") RETURNING id", ") AND set_config('synchronous_commit', 'off', true) = 'off' RETURNING id")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                OutboxStatus.SENDING.value,
                adapt(now),
                *params,
                OutboxStatus.PENDING.value,
                adapt(now),
                OutboxStatus.SENDING.value,
                adapt(stale),
            ],
        )
        return sorted(row[0] for row in cursor.fetchall())


def outbox_claim(*, message_id: int) -> bool:
    """Atomically take a message for sending; False if another worker has it or it is done."""
    return bool(outbox_claim_many(message_ids=[message_id]))


def outbox_deliver(*, message_id: int) -> bool:
    """Send one message if it can be claimed. Returns True when it was sent now."""
    return outbox_deliver_many(message_ids=[message_id]) == 1


def outbox_deliver_many(*, message_ids: Iterable[int]) -> int:
    """Send those of these messages that can be claimed, in claims of CLAIM_CHUNK; returns how many were sent now.

    Sent messages are recorded in groups of at most OTKLIK_OUTBOX_SENT_GROUP, each group in one statement
    and its own commit right after its last message was accepted (and before this returns or raises), so a
    worker killed half-way repeats at most the group it was sending: its messages in flight. What it had
    claimed but not sent is taken again by the sweep once the claim is stale. A claim is used only while it
    is younger than half the claim timeout, so a slow server never lets a second worker re-take a message
    this one is still about to send.
    """
    ids, sent = list(message_ids), 0
    marks = _SentMarks(group=settings.OTKLIK_OUTBOX_SENT_GROUP)
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            taken = outbox_claim_many(message_ids=ids[start : start + CLAIM_CHUNK])
            if not taken:
                continue
            claimed = monotonic()
            sending = OutboxMessage.objects.select_related("customer").defer(
                *SEND_UNREAD, *(f"customer__{name}" for name in CUSTOMER_UNREAD)
            )
            for message in sending.filter(pk__in=taken).order_by("pk"):
                if monotonic() - claimed > settings.OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS / 2:
                    break  # the rest stay claimed and are taken again, by any worker, once the claim is stale
                if _send_claimed(message):
                    marks.add(message.pk)
                    sent += 1
    finally:
        marks.close()
    return sent


class _SentMarks:
    """Messages sent and not yet recorded: at most `group`, then written together in one commit.

    A mark per message cost a statement, a commit and a round trip for each; a group of them costs one.
    The group is also the most a killed worker sends twice, so it stays small.
    """

    def __init__(self, *, group: int):
        self.group = max(1, group)
        self.pending: list[int] = []
        self.cursor = None

    def add(self, message_id: int) -> None:
        self.pending.append(message_id)
        if len(self.pending) >= self.group:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        ids, self.pending = self.pending, []
        if self.cursor is None:
            # One cursor for all the groups: a new one per statement cost as much as the statement.
            self.cursor = bound_cursor()
        _record_sent(ids, cursor=self.cursor)

    def close(self) -> None:
        """Record what is pending and let the cursor go."""
        try:
            self.flush()
        finally:
            if self.cursor is not None:
                self.cursor.close()


def _send_claimed(message: OutboxMessage) -> bool:
    """Send one claimed message; True when it was sent (the caller records it), else the outcome is recorded."""
    refusal = customer_refusal(customer=message.customer, channel=message.channel) if message.customer else ""
    # A customer known only by an address: their choice is kept on the suppression list, not on a record.
    address_only = message.customer_id is None and "List-Unsubscribe" in (message.headers or {})
    if address_only and address_unsubscribed(
        organization_id=message.organization_id, channel=message.channel, address=message.recipient
    ):
        refusal = "the address unsubscribed"
    if refusal:
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.SUPPRESSED, last_error=f"Not sent: {refusal}."[:2000], claimed_at=None
        )
        logger.info("outbox %s suppressed: %s", message.key, refusal)
        return False
    try:
        CHANNELS[message.channel].send(
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            message_key=message.key,
            headers=message.headers,
        )
    except TransportError as exc:
        if exc.bad_address and message.customer:
            # A hard bounce: nobody sends to this address again until it changes.
            address_mark_invalid(customer=message.customer, channel=message.channel, recipient=message.recipient)
        give_up = exc.permanent or message.attempts >= settings.OTKLIK_OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
            last_error=exc.message[:2000],
            next_attempt_at=timezone.now() + _backoff(message.attempts),
            claimed_at=None,
        )
        logger.warning("outbox %s to %s failed: %s", message.key, message.recipient, exc.message)
        return False
    return True


def _record_sent(message_ids: list[int], *, cursor) -> None:
    """Mark messages sent, in one statement and its own commit: a worker killed after this cannot send them twice."""
    # Every delivery runs this: a plain statement costs a fraction of compiling a queryset each time. On
    # PostgreSQL the cursor binds on the server, so psycopg prepares it after a few groups and the server
    # stops parsing and planning it.
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    if len(message_ids) == 1:
        which, ids = "id = %s", message_ids
    elif connection.vendor == "postgresql":
        which, ids = "id = ANY(%s)", [message_ids]
    else:
        which, ids = f"id IN ({', '.join(['%s'] * len(message_ids))})", message_ids
    # PostgreSQL: this one commit does not wait for its WAL to reach the disk (ADR 0016). A killed worker
    # loses nothing by it (the server has the commit); only a crash of the database server itself may forget
    # the last fraction of a second of these marks, and those messages go again with the same Message-ID.
    # Waiting for the disk cost 3-4 ms a message on a busy machine, more than sending it.
    sql = f"UPDATE {table} SET status = %s, sent_at = %s, last_error = '', claimed_at = NULL WHERE {which}"
    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # inside a caller's transaction: theirs
        sql += " AND set_config('synchronous_commit', 'off', true) = 'off'"
    cursor.execute(sql, [OutboxStatus.SENT.value, connection.ops.adapt_datetimefield_value(timezone.now()), *ids])


def outbox_deliver_due(*, limit: int = 200) -> int:
    """Send messages that are due or whose worker died mid-send. Returns how many were sent."""
    due = OutboxMessage.objects.filter(_claimable(timezone.now())).order_by("next_attempt_at")
    return outbox_deliver_many(message_ids=list(due.values_list("pk", flat=True)[:limit]))


def worker_heartbeat(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def worker_last_seen():
    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    return latest.seen_at if latest else None
