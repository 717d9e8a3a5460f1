"""Writes: schedule invitations from purchases, and the manager's manual queue (B2, B3).

A scheduled invitation is one row per purchase (the unique purchase is what makes a
re-imported file schedule nothing new). Sending is dispatch.py's: the due rows by the
worker, a manager's letter from the queue through the same rules.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization, Touchpoint
from otklik.customers.models import Customer, EvaluationMode, OrderStatus, Product, Purchase
from otklik.messaging.services import template_fill, template_placeholders
from otklik.outreach.dispatch import RELATED, invitations_deliver, letter_context, letter_template
from otklik.outreach.models import Origin, OutreachSettings, ScheduledInvitation, ScheduledStatus
from otklik.outreach.selectors import outreach_settings
from otklik.surveys.models import Survey

SCHEDULE_CHUNK = 5000
COMPLETED = OrderStatus.COMPLETED.value
# Statuses a purchase change may still move; the others are history.
PENDING = (ScheduledStatus.WAITING_DATE, ScheduledStatus.SCHEDULED)


# --- Scheduling ------------------------------------------------------------------------------


def withdrawn_reason(status: str) -> str:
    """Why an invitation still pending for this order is withdrawn (its outcome on the outreach pages)."""
    if status == OrderStatus.CANCELLED:
        return _("The order was cancelled.")
    if status == OrderStatus.RETURNED:
        return _("The order was returned.")
    return _("The order has no customer.")


def invitations_schedule(*, organization: Organization, purchase_ids: Iterable[int]) -> int:
    """Schedule one invitation per stored or changed order; returns how many were created, moved or withdrawn.

    Only a completed order with a customer is asked about: a cancelled or returned one
    never is, and an invitation still pending for an order that became one is withdrawn
    (cancelled, with the reason). The order's product (Purchase.product, the one of its
    lines asked about last: ADR 0014) gives the delay and the mode.

    Automatic-mode products: due at purchase date + the product's delay. Manual mode: the
    purchase waits in the manager's queue for a date. A changed purchase date (or customer)
    moves an invitation not yet sent. Purchases whose moment to ask passed more than the
    expiry ago (years of history in a first import) get none. Set-based: a few queries per
    chunk of 5 000 ids, run inside the caller's transaction.
    """
    config = outreach_settings(organization=organization)
    now = timezone.now()
    ids = list(purchase_ids)
    chunk = _schedule_chunk_sql if connection.vendor == "postgresql" else _schedule_chunk
    return sum(
        chunk(organization, ids[start : start + SCHEDULE_CHUNK], config, now)
        for start in range(0, len(ids), SCHEDULE_CHUNK)
    )


def invitations_schedule_changed(*, organization: Organization, table: str) -> int:
    """`invitations_schedule` for purchases listed in a table, set-based on PostgreSQL (the import's fast path).

    `table` (a trusted name, e.g. a temporary table) holds one row per stored or changed
    purchase of the organization, as stored: id, created (true for a new purchase),
    customer_id, product_id, purchased_at and status. Reading them there, not from the purchases
    by id, spares a million-row import shipping ids to Python and back and a lookup per
    purchase. Returns how many invitations were created or moved.
    """
    config = outreach_settings(organization=organization)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM {table}")
        created, changed = cursor.fetchone()
    source = f"SELECT id, created, customer_id, product_id, purchased_at, status FROM {table}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' AND condeferred",
            [ScheduledInvitation._meta.db_table],
        )
        (foreign_keys,) = cursor.fetchone()
        # Checked at each statement's end, while the rows they point at (the purchases just
        # stored) are still in memory, not all at the commit; deferred again after.
        if foreign_keys:
            cursor.execute(f"SET CONSTRAINTS {foreign_keys} IMMEDIATE")
        try:
            return _schedule_sql(
                organization, source, [], config, timezone.now(), new_only=not changed, skip=not (created or changed)
            )
        finally:
            if foreign_keys:
                cursor.execute(f"SET CONSTRAINTS {foreign_keys} DEFERRED")


def _schedule_chunk_sql(organization: Organization, ids: list[int], config: OutreachSettings, now: datetime) -> int:
    """The same as `_schedule_chunk` in two statements (INSERT … SELECT, UPDATE … FROM), for big batches.

    The Python version builds a model per purchase, which would cost an import more than its COPY does.
    """
    source = (
        f"SELECT id, false AS created, customer_id, product_id, purchased_at, status FROM {Purchase._meta.db_table} "
        "WHERE organization_id = %s AND id = ANY(%s)"
    )
    return _schedule_sql(organization, source, [organization.pk, ids], config, now, new_only=False, skip=not ids)


def _schedule_sql(
    organization: Organization,
    source: str,
    params: list,
    config: OutreachSettings,
    now: datetime,
    *,
    new_only: bool,
    skip: bool,
) -> int:
    """Schedule the purchases a query lists (columns as in `invitations_schedule_changed`): an INSERT, an UPDATE.

    With `new_only` every listed purchase is new, so none can have an invitation yet: the
    insert needs no ON CONFLICT check (a lookup per row) and nothing can have moved.
    """
    if skip:
        return 0
    scheduled, product = ScheduledInvitation._meta.db_table, Product._meta.db_table
    due = "c.purchased_at + make_interval(days => pr.evaluation_delay_days)"
    manual, automatic = EvaluationMode.MANUAL.value, EvaluationMode.AUTOMATIC.value
    # Named placeholders cannot mix with the source's positional ones: the source's come first.
    # A customer erased on request is never asked again; the check costs nothing where nobody was erased.
    erased = ""
    erased_params: list = []
    if Customer.objects.filter(organization=organization, erased_at__isnull=False).exists():
        erased = (
            f"AND c.customer_id NOT IN (SELECT id FROM {Customer._meta.db_table} "
            "WHERE organization_id = %s AND erased_at IS NOT NULL)"
        )
        erased_params = [organization.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {scheduled} (organization_id, customer_id, purchase_id, origin, mode, status, reason,
                                     due_at, send_at, channel, recipient, created_at, updated_at)
            SELECT %s, c.customer_id, c.id, %s, pr.evaluation_mode,
                   CASE WHEN pr.evaluation_mode = %s THEN %s ELSE %s END, '',
                   CASE WHEN pr.evaluation_mode = %s THEN NULL ELSE {due} END,
                   CASE WHEN pr.evaluation_mode = %s THEN NULL ELSE {due} END,
                   '', '', %s, %s
            FROM ({source}) c JOIN {product} pr ON pr.id = c.product_id
            WHERE pr.is_active AND c.status = %s AND c.customer_id IS NOT NULL AND {due} >= %s {erased}
            {"" if new_only else "ON CONFLICT (purchase_id) DO NOTHING"}
            """,
            [
                organization.pk,
                Origin.PURCHASE.value,
                manual,
                ScheduledStatus.WAITING_DATE.value,
                ScheduledStatus.SCHEDULED.value,
                manual,
                manual,
                now,
                now,
                *params,
                COMPLETED,
                now - timedelta(days=config.expire_after_days),
                *erased_params,
            ],
        )
        created = cursor.rowcount
        if new_only:
            return created
        withdrawn = 0
        for status in [OrderStatus.CANCELLED, OrderStatus.RETURNED, None]:
            condition = "c.customer_id IS NULL" if status is None else "c.status = %s"
            cursor.execute(
                f"""
                UPDATE {scheduled} s SET status = %s, reason = %s, updated_at = %s
                FROM ({source}) c
                WHERE s.purchase_id = c.id AND NOT c.created AND s.status = ANY(%s) AND {condition}
                """,
                [
                    ScheduledStatus.CANCELLED.value,
                    withdrawn_reason(status),
                    now,
                    *params,
                    [pending.value for pending in PENDING],
                    *([] if status is None else [status.value]),
                ],
            )
            withdrawn += cursor.rowcount
        # Rows inserted just now already match, so the update touches only moved purchases.
        cursor.execute(
            f"""
            UPDATE {scheduled} s
            SET due_at = CASE WHEN s.mode = %s THEN {due} ELSE s.due_at END,
                send_at = CASE WHEN s.mode = %s THEN {due} ELSE s.send_at END,
                customer_id = c.customer_id, updated_at = %s
            FROM ({source}) c JOIN {product} pr ON pr.id = c.product_id
            WHERE s.purchase_id = c.id AND NOT c.created AND s.status = ANY(%s) AND c.status = %s
              AND (s.customer_id <> c.customer_id OR (s.mode = %s AND s.due_at IS DISTINCT FROM {due}))
            """,
            [automatic, automatic, now, *params, [status.value for status in PENDING], COMPLETED, automatic],
        )
        return created + withdrawn + cursor.rowcount


def _schedule_chunk(organization: Organization, ids: list[int], config: OutreachSettings, now: datetime) -> int:
    oldest_due = now - timedelta(days=config.expire_after_days)
    rows = (
        Purchase.objects.filter(organization=organization, pk__in=ids)
        .values_list(
            "pk",
            "customer_id",
            "purchased_at",
            "product__evaluation_delay_days",
            "product__evaluation_mode",
            "product__is_active",
            "status",
        )
        .filter(customer__erased_at__isnull=True)
    )  # a customer erased on request is never asked again
    existing = {
        purchase_id: (pk, status, mode, due_at, customer_id)
        for pk, purchase_id, status, mode, due_at, customer_id in ScheduledInvitation.objects.filter(
            purchase_id__in=ids
        ).values_list("pk", "purchase_id", "status", "mode", "due_at", "customer_id")
    }
    new, moved, withdrawn = [], [], []
    for purchase_id, customer_id, purchased_at, delay, mode, active, status in rows:
        due = purchased_at + timedelta(days=delay)
        old = existing.get(purchase_id)
        askable = status == COMPLETED and customer_id is not None
        if old is None:
            if not active or not askable or due < oldest_due:
                continue
            manual = mode == EvaluationMode.MANUAL
            new.append(
                ScheduledInvitation(
                    organization=organization,
                    customer_id=customer_id,
                    purchase_id=purchase_id,
                    mode=mode,
                    status=ScheduledStatus.WAITING_DATE if manual else ScheduledStatus.SCHEDULED,
                    due_at=None if manual else due,
                    send_at=None if manual else due,
                )
            )
            continue
        pk, old_status, old_mode, old_due, old_customer = old
        if old_status not in PENDING:
            continue
        if not askable:
            withdrawn.append((pk, withdrawn_reason(status if customer_id is not None else None)))
            continue
        # A manager's chosen day stays; only the automatic plan follows the purchase date.
        new_due = due if old_mode == EvaluationMode.AUTOMATIC else old_due
        if new_due != old_due or customer_id != old_customer:
            moved.append(
                ScheduledInvitation(pk=pk, due_at=new_due, send_at=new_due, customer_id=customer_id, updated_at=now)
            )
    ScheduledInvitation.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if moved:
        ScheduledInvitation.objects.bulk_update(
            moved, ["due_at", "send_at", "customer_id", "updated_at"], batch_size=1000
        )
    for pk, reason in withdrawn:
        ScheduledInvitation.objects.filter(pk=pk, status__in=PENDING).update(
            status=ScheduledStatus.CANCELLED, reason=reason, updated_at=now
        )
    return len(new) + len(moved) + len(withdrawn)


# --- The manager's queue (B3) ----------------------------------------------------------------


def invitation_preview(*, scheduled: ScheduledInvitation) -> tuple[str, str]:
    """The prepared letter as the customer would read it, with {link} left for the personal link."""
    customer = scheduled.customer
    language = customer.language or scheduled.organization.default_language
    escaped = {
        name: value.replace("{", "{{").replace("}", "}}")
        for name, value in letter_context(scheduled, customer=customer, language=language, link="").items()
    }
    escaped["link"] = "{link}"
    return template_fill(letter_template(scheduled, language=language), escaped)


def letter_validate(*, subject: str, body: str) -> None:
    """An edited letter: both parts written, braces whole, and the personal {link} kept in the body."""
    errors = {}
    if not subject.strip():
        errors["subject"] = _("Write a subject.")
    if not body.strip():
        errors["body"] = _("Write the letter.")
    for name, text in [("subject", subject), ("body", body)]:
        try:
            unknown = template_placeholders(text) - {"link"}
        except ValidationError as exc:
            errors.setdefault(name, exc.messages[0])
            continue
        if unknown:
            errors.setdefault(
                name,
                _("Only {link} may stay in braces; write the rest out: %(names)s.")
                % {"names": ", ".join("{" + n + "}" for n in sorted(unknown))},
            )
    if "body" not in errors and "link" not in template_placeholders(body):
        errors["body"] = _("Keep {link} in the letter: it is the customer's personal link to answer.")
    if errors:
        raise ValidationError(errors)


def _day_start(organization: Organization, day: date) -> datetime:
    """The morning of a day in the organization's time zone, when the quiet hours end."""
    config = outreach_settings(organization=organization)
    tz = organization.zone
    start = config.quiet_until if config.quiet_from != config.quiet_until else time(9)
    return datetime.combine(day, start, tzinfo=tz)


@transaction.atomic
def invitation_set_date(*, scheduled: ScheduledInvitation, day: date, by) -> ScheduledInvitation:
    """Choose (or move to) the day a manual invitation's letter waits in the queue."""
    today = timezone.localdate(timezone=scheduled.organization.zone)
    if day < today:
        raise ValidationError({"day": _("Choose today or a later day.")})
    if day > today + timedelta(days=730):
        raise ValidationError({"day": _("Choose a day within two years.")})
    moment = _day_start(scheduled.organization, day)
    if day == today:
        # The manager who picks today is at the queue now: the letter is ready at once, not at the morning hour.
        moment = min(moment, timezone.now())
    updated = ScheduledInvitation.objects.filter(
        pk=scheduled.pk, mode=EvaluationMode.MANUAL, status__in=PENDING
    ).update(
        status=ScheduledStatus.SCHEDULED,
        due_at=moment,
        send_at=moment,
        decided_by=by,
        reason="",
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This invitation was already sent or closed."))
    scheduled.refresh_from_db()
    return scheduled


def invitation_send_now(
    *, scheduled: ScheduledInvitation, by, subject: str | None = None, body: str | None = None
) -> str:
    """Send a manual invitation as prepared, or with the manager's edited letter. Returns the outcome.

    The manager chose the moment, so quiet hours do not hold it back; consent, channel,
    frequency and expiry still do.
    """
    if (subject is None) != (body is None):
        raise ValueError("give both subject and body, or neither")
    if subject is not None:
        letter_validate(subject=subject, body=body)
    now = timezone.now()
    with transaction.atomic():
        claimed = ScheduledInvitation.objects.filter(
            pk=scheduled.pk, mode=EvaluationMode.MANUAL, status=ScheduledStatus.SCHEDULED
        ).update(updated_at=now)
        if not claimed:
            raise ValidationError(_("This invitation was already sent or closed."))
        fresh = ScheduledInvitation.objects.select_related(*RELATED).get(pk=scheduled.pk)
        letter = None if subject is None else (subject, body)
        outcomes = invitations_deliver([fresh], now=now, quiet_hours=False, by=by, letter=letter)
    scheduled.refresh_from_db()
    return next(iter(outcomes))


@transaction.atomic
def invitation_cancel(*, scheduled: ScheduledInvitation, by) -> None:
    """Decide not to ask about this purchase at all."""
    updated = ScheduledInvitation.objects.filter(pk=scheduled.pk, status__in=PENDING).update(
        status=ScheduledStatus.CANCELLED,
        reason=_("Decided not to ask."),
        decided_by=by,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This invitation was already sent or closed."))
    scheduled.refresh_from_db()


def hunt_invitation_create(
    *, organization: Organization, customer_id: int, survey: Survey | None, now: datetime
) -> ScheduledInvitation:
    """An invitation a hunting rule asks for: due at once, through the same rules as any other."""
    return ScheduledInvitation.objects.create(
        organization=organization,
        customer_id=customer_id,
        origin=Origin.HUNT,
        mode=EvaluationMode.AUTOMATIC,
        status=ScheduledStatus.SCHEDULED,
        due_at=now,
        send_at=now,
        survey=survey,
    )


# --- Settings --------------------------------------------------------------------------------


@transaction.atomic
def outreach_settings_save(
    *,
    organization: Organization,
    time_zone: str,
    quiet_from: time,
    quiet_until: time,
    min_days_between: int,
    expire_after_days: int,
    default_touchpoint: Touchpoint | None,
) -> OutreachSettings:
    """Validate and store the organization's outreach rules (and its time zone, which the quiet hours use)."""
    errors = {}
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Unknown time zone: %(value)s. Write it like Europe/Kyiv.") % {"value": time_zone}
    if not 0 <= min_days_between <= 365:
        errors["min_days_between"] = _("From 0 (no limit) to 365 days.")
    if not 1 <= expire_after_days <= 365:
        errors["expire_after_days"] = _("From 1 to 365 days.")
    if default_touchpoint is not None and default_touchpoint.organization_id != organization.pk:
        errors["default_touchpoint"] = _("Choose a touchpoint of this organization.")
    if errors:
        raise ValidationError(errors)
    if organization.time_zone != time_zone:
        organization.time_zone = time_zone
        organization.save(update_fields=["time_zone"])
    config, _created = OutreachSettings.objects.update_or_create(
        organization=organization,
        defaults={
            "quiet_from": quiet_from,
            "quiet_until": quiet_until,
            "min_days_between": min_days_between,
            "expire_after_days": expire_after_days,
            "default_touchpoint": default_touchpoint,
        },
    )
    return config
