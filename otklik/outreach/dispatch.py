"""Sending due invitations (B2) and the manager's chosen ones (B3), batch by batch.

Each batch is one transaction: the due rows are claimed with FOR UPDATE SKIP
LOCKED (a second worker takes the next rows instead of waiting), their customers
are locked in id order (so the one-invitation-per-period rule holds across
workers without deadlocks), and what a batch needs is read once: the settings,
survey and template of each organization, the touchpoint of each location, when
each customer was last invited. The personal links, the outbox rows (unique keys)
and the outcomes are written together at the end, and one task sends the batch's
messages after the commit. A worker killed half-way rolls its batch back: the rows
stay due for the next one, and nothing was queued.
"""

import zoneinfo
from collections import Counter
from datetime import datetime, time, timedelta
from itertools import groupby
from time import monotonic

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Organization, Touchpoint
from otklik.accounts.selectors import site_url
from otklik.customers.models import Customer, EvaluationMode
from otklik.customers.routing import customer_route
from otklik.messaging.channels import CHANNELS
from otklik.messaging.models import TemplateKind
from otklik.messaging.services import CUSTOMER_UNREAD, Letter, outbox_enqueue_many, template_fill, template_for
from otklik.outreach.defaults import HUNT_MESSAGE, PRODUCT_LETTER_MESSAGE
from otklik.outreach.models import OutreachSettings, ScheduledInvitation, ScheduledStatus
from otklik.outreach.selectors import default_survey_for, outreach_settings
from otklik.rows import insert_rows, update_rows
from otklik.surveys.models import Invitation, Survey, new_invitation_token
from otklik.surveys.presets import PRODUCT_LETTER

DISPATCH_BATCH = 200
# One call of the minute job dispatches batches for at most this long, then gives the loop back: a backlog of a
# hundred thousand goes on at once in the next slice (`again_while`), and between two slices the worker writes its
# heartbeat, sweeps the outbox and runs any other job whose minute has come. With 45 s a big import held SLA
# escalations and the heartbeat behind it for that long.
DISPATCH_BUDGET_SECONDS = 5.0
RELATED = ("organization", "survey", "purchase__product__survey", "purchase__location")
# The minute job's batch: the organization fetched once for the batch's rows (prefetch shares one instance),
# not joined into each of them; the purchase's location is read by its id only.
DUE_RELATED = ("survey", "purchase__product__survey")
# Columns a batch never reads, left in the database (decision 0032, "Cutting CPU per message"): each column
# loaded costs the worker a conversion per row (a timestamp, a Decimal) and an attribute on a model instance.
# A column not named here is loaded, so a field added later is never read one query per row.
DUE_UNREAD = (
    "created_at",
    "purchase__external_id",
    "purchase__amount",
    "purchase__currency",
    "purchase__status",
    "purchase__employee_name",
    "purchase__employee_id",
    "purchase__created_at",
    "purchase__updated_at",
    "purchase__product__external_id",
    "purchase__product__evaluation_delay_days",
    "purchase__product__evaluation_mode",
    "purchase__product__is_active",
    "purchase__product__created_at",
    "purchase__product__updated_at",
)
# The columns of a new personal link, in the order `_decide` writes their values.
INVITATION_COLUMNS = (
    "organization",
    "survey",
    "touchpoint",
    "token",
    "customer_name",
    "customer_email",
    "language",
    "customer",
    "purchase",
    "created_at",
)
# What a decided row may have changed; written for the whole batch in one statement.
FINISHED_FIELDS = [
    "status",
    "reason",
    "send_at",
    "sent_at",
    "invitation",
    "survey",
    "channel",
    "recipient",
    "decided_by",
    "updated_at",
]


# --- Quiet hours -----------------------------------------------------------------------------


def in_quiet_hours(moment: time, *, quiet_from: time, quiet_until: time) -> bool:
    """True inside [from, until); the window may wrap midnight (21:00–09:00). Equal ends mean none."""
    if quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= moment < quiet_until
    return moment >= quiet_from or moment < quiet_until


def quiet_hours_end(now: datetime, *, config: OutreachSettings, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """The next moment sending is allowed, or None when `now` is outside the quiet hours."""
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), quiet_from=config.quiet_from, quiet_until=config.quiet_until):
        return None
    morning = datetime.combine(local.date(), config.quiet_until, tzinfo=tz)
    return (
        morning
        if morning > local
        else datetime.combine(local.date() + timedelta(days=1), config.quiet_until, tzinfo=tz)
    )


# --- The letter ------------------------------------------------------------------------------


def letter_context(
    scheduled: ScheduledInvitation, *, customer: Customer, language: str, link: str, cache: dict | None = None
) -> dict[str, str]:
    """The values a letter's placeholders take, in the customer's language.

    `cache` (a dict the caller keeps for a batch) holds what the language and the purchase day decide: the
    word for a customer without a name and the formatted date. Switching the language and formatting a
    date cost more than the rest of a letter.
    """
    organization = scheduled.organization
    purchase = scheduled.purchase
    day = purchase.purchased_at.astimezone(organization.zone).date() if purchase is not None else None
    key = (language, day)
    known = cache.get(key) if cache is not None else None
    if known is None:
        with translation.override(language):
            known = (str(_("customer")), formats.date_format(day, "DATE_FORMAT") if day is not None else "")
        if cache is not None:
            cache[key] = known
    nameless, date = known
    context = {"customer_name": customer.name or nameless, "organization": organization.name, "link": link}
    if purchase is not None:
        context |= {"product": purchase.product.name, "purchase_date": date}
    return context


def asks_product_letter(scheduled: ScheduledInvitation) -> bool:
    """Whether the invitation will open the product letter (the survey `_Batch.survey_for` picks): its own text."""
    product = scheduled.purchase.product if scheduled.purchase_id else None
    for survey in (scheduled.survey if scheduled.survey_id else None, product.survey if product else None):
        if survey is not None and survey.is_open:
            return survey.template == PRODUCT_LETTER.code
    return False


def letter_template(scheduled: ScheduledInvitation, *, language: str) -> tuple[str, str]:
    """The (subject, body) template in force: the hunting text, the product letter (seed 002), or the
    organization's invitation template."""
    if scheduled.purchase_id is None:
        return HUNT_MESSAGE.get(language) or HUNT_MESSAGE["en"]
    if asks_product_letter(scheduled):
        return PRODUCT_LETTER_MESSAGE.get(language) or PRODUCT_LETTER_MESSAGE["en"]
    return template_for(organization=scheduled.organization, kind=TemplateKind.INVITATION, language=language)


# --- One batch -------------------------------------------------------------------------------


def _no_route(customer: Customer) -> tuple[str, str]:
    """Why nobody can be written to: no usable address at all, or addresses without consent."""
    usable = [str(channel.label_in_text) for channel in CHANNELS.values() if channel.usable_address(customer)]
    if not usable:
        return ScheduledStatus.NO_CHANNEL, _("No e-mail, phone or Telegram chat to write to.")
    return ScheduledStatus.NO_CONSENT, _("No consent to be asked by %(channels)s.") % {"channels": ", ".join(usable)}


class _Batch:
    """One dispatch transaction: what it reads once, and what it writes at the end."""

    def __init__(self, rows: list[ScheduledInvitation], *, now: datetime):
        self.now = now
        self._configs: dict[int, OutreachSettings] = {}
        self._surveys: dict[tuple[int, int | None], Survey | None] = {}
        self._touchpoints: dict[tuple[str, int], Touchpoint | None] = {}
        self._templates: dict[tuple, tuple[str, str]] = {}
        # Tokens are URL-safe, so the resolved URL around a stand-in is the URL around any token.
        self._link = (site_url() + reverse("surveys:invitation", args=["TOKEN"])).rsplit("TOKEN", 1)
        # Locked in id order in one statement: two batches sharing customers lock them in the same order.
        self.customers = {
            customer.pk: customer
            for customer in Customer.objects.select_for_update()
            .defer(*CUSTOMER_UNREAD)
            .filter(pk__in={row.customer_id for row in rows})
            .order_by("pk")
        }
        # Read after the locks, so a batch that waited sees what the batch before it sent.
        self.last_invited = self._last_invited(rows)
        self.finished: list[ScheduledInvitation] = []
        self.sent: list[tuple[ScheduledInvitation, tuple]] = []  # each with its link's INVITATION_COLUMNS values
        self.letter_values: dict = {}  # letter_context's cache
        self.letters: dict[int, list[Letter]] = {}  # per organization

    def link(self, token: str) -> str:
        """The personal link; the URL pattern is resolved once per batch, not once per invitation."""
        return self._link[0] + token + self._link[1]

    def config(self, organization: Organization) -> OutreachSettings:
        if organization.pk not in self._configs:
            self._configs[organization.pk] = outreach_settings(organization=organization)
        return self._configs[organization.pk]

    def _last_invited(self, rows: list[ScheduledInvitation]) -> dict[int, datetime]:
        """When each customer was last sent an invitation: by this app, or any other personal link."""
        days = max((self.config(row.organization).min_days_between for row in rows), default=0)
        if not days:
            return {}
        since, ids = self.now - timedelta(days=days), list(self.customers)
        last: dict[int, datetime] = {}
        for customer_id, moment in [
            *ScheduledInvitation.objects.filter(customer_id__in=ids, status=ScheduledStatus.SENT, sent_at__gt=since)
            .values("customer_id")
            .annotate(last=Max("sent_at"))
            .values_list("customer_id", "last"),
            *Invitation.objects.filter(customer_id__in=ids, created_at__gt=since)
            .values("customer_id")
            .annotate(last=Max("created_at"))
            .values_list("customer_id", "last"),
        ]:
            last[customer_id] = max(moment, last.get(customer_id, moment))
        return last

    def survey_for(self, scheduled: ScheduledInvitation) -> Survey | None:
        if (
            scheduled.survey_id
            and scheduled.survey.is_open
            and scheduled.survey.organization_id == scheduled.organization_id
        ):
            return scheduled.survey
        product = scheduled.purchase.product if scheduled.purchase else None
        key = (scheduled.organization_id, product.pk if product is not None else None)
        if key not in self._surveys:
            self._surveys[key] = default_survey_for(organization=scheduled.organization, product=product)
        return self._surveys[key]

    def touchpoint_for(self, scheduled: ScheduledInvitation, config: OutreachSettings) -> Touchpoint | None:
        """Where the answer is counted: the purchase's location, else the organization's chosen touchpoint."""
        purchase = scheduled.purchase
        if purchase is not None and purchase.location_id:
            key = ("location", purchase.location_id)
            if key not in self._touchpoints:
                self._touchpoints[key] = (
                    Touchpoint.objects.filter(location_id=purchase.location_id).order_by("pk").first()
                )
            if self._touchpoints[key] is not None:
                return self._touchpoints[key]
        if config.default_touchpoint_id:
            return config.default_touchpoint
        key = ("organization", scheduled.organization_id)
        if key not in self._touchpoints:
            self._touchpoints[key] = (
                Touchpoint.objects.filter(organization_id=scheduled.organization_id).order_by("pk").first()
            )
        return self._touchpoints[key]

    def template(self, scheduled: ScheduledInvitation, *, language: str) -> tuple[str, str]:
        key = (scheduled.organization_id, scheduled.purchase_id is None, asks_product_letter(scheduled), language)
        if key not in self._templates:
            self._templates[key] = letter_template(scheduled, language=language)
        return self._templates[key]

    def finish(self, scheduled: ScheduledInvitation, status: str, reason: str = "", **fields) -> str:
        scheduled.status, scheduled.reason, scheduled.updated_at = status, reason[:300], self.now
        for name, value in fields.items():
            setattr(scheduled, name, value)
        self.finished.append(scheduled)
        return status

    def write(self) -> None:
        """Store the links, queue the letters (one task per organization's lot) and record every outcome."""
        ids = insert_rows(Invitation, INVITATION_COLUMNS, [row for _scheduled, row in self.sent], returning=["id"])
        for (scheduled, _row), (invitation_id,) in zip(self.sent, ids, strict=True):
            scheduled.invitation_id = invitation_id
        for organization_id, letters in self.letters.items():
            outbox_enqueue_many(organization=Organization(pk=organization_id), letters=letters)
        attnames = [ScheduledInvitation._meta.get_field(name).attname for name in FINISHED_FIELDS]
        outcomes = [[getattr(row, name) for name in attnames] + [row.pk] for row in self.finished]
        update_rows(ScheduledInvitation, FINISHED_FIELDS, outcomes)


def _decide(
    scheduled: ScheduledInvitation,
    batch: _Batch,
    *,
    quiet_hours: bool,
    by=None,
    letter: tuple[str, str] | None = None,
) -> str:
    """The rules every invitation passes, in order: expiry, channel and consent, frequency, quiet hours."""
    organization, now = scheduled.organization, batch.now
    config = batch.config(organization)
    if scheduled.due_at and now - scheduled.due_at > timedelta(days=config.expire_after_days):
        return batch.finish(
            scheduled,
            ScheduledStatus.EXPIRED,
            _("Not sent within %(days)s days of its due date.") % {"days": config.expire_after_days},
        )
    customer = batch.customers[scheduled.customer_id]
    customer.organization = organization  # the unsubscribe footer names it; no query per customer
    route = customer_route(customer)
    if route is None:
        return batch.finish(scheduled, *_no_route(customer))
    last = batch.last_invited.get(customer.pk)
    if config.min_days_between and last is not None and last > now - timedelta(days=config.min_days_between):
        return batch.finish(
            scheduled,
            ScheduledStatus.SUPPRESSED,
            _("Already invited on %(date)s; at most one invitation in %(days)s days.")
            % {
                "date": formats.date_format(last.astimezone(organization.zone).date()),
                "days": config.min_days_between,
            },
        )
    if quiet_hours:
        morning = quiet_hours_end(now, config=config, tz=organization.zone)
        if morning is not None:
            batch.finish(scheduled, scheduled.status, _("Postponed: quiet hours."), send_at=morning)
            return "postponed"
    survey = batch.survey_for(scheduled)
    if survey is None:
        return batch.finish(
            scheduled, ScheduledStatus.NOT_SENT, _("The organization has no open NPS survey to ask with.")
        )
    touchpoint = batch.touchpoint_for(scheduled, config)
    if touchpoint is None:
        return batch.finish(
            scheduled, ScheduledStatus.NOT_SENT, _("Add a location with a touchpoint: answers are counted there.")
        )
    language = customer.language or organization.default_language
    # A row of values, not an instance: a link only inserted never needs one (otklik.rows).
    token = new_invitation_token()
    invitation = (organization.pk, survey.pk, touchpoint.pk, token, customer.name[:200], customer.email, language)
    invitation += (customer.pk, scheduled.purchase_id, now)
    link = batch.link(token)
    if letter is None:
        context = letter_context(scheduled, customer=customer, language=language, link=link, cache=batch.letter_values)
        subject, body = template_fill(batch.template(scheduled, language=language), context)
    else:
        subject, body = (part.format_map({"link": link}) for part in letter)
    batch.sent.append((scheduled, invitation))
    batch.letters.setdefault(organization.pk, []).append(
        Letter(
            key=scheduled.outbox_key,
            recipient=route.recipient,
            subject=" ".join(subject.split()),
            body=body,
            kind=TemplateKind.INVITATION,
            channel=route.channel,
            customer=customer,
        )
    )
    batch.last_invited[customer.pk] = now
    return batch.finish(
        scheduled,
        ScheduledStatus.SENT,
        sent_at=now,
        survey=survey,
        channel=route.channel,
        recipient=route.recipient,
        decided_by=by or scheduled.decided_by,
    )


def invitations_deliver(
    rows: list[ScheduledInvitation], *, now: datetime, quiet_hours: bool, by=None, letter=None
) -> Counter:
    """Decide and write the outcome of each claimed row, inside the caller's transaction; outcomes by status."""
    batch = _Batch(rows, now=now)
    outcomes: Counter = Counter()
    # Reasons are stored as text: written in the organization's language, not the worker's. One switch per
    # run of rows in the same language (a batch is mostly one organization's), not one per row.
    for language, run in groupby(rows, key=lambda row: row.organization.default_language):
        with translation.override(language):
            outcomes.update(_decide(row, batch=batch, quiet_hours=quiet_hours, by=by, letter=letter) for row in run)
    batch.write()
    return outcomes


# --- The minute job --------------------------------------------------------------------------


def _due(moment: datetime):
    return ScheduledInvitation.objects.filter(
        status=ScheduledStatus.SCHEDULED, mode=EvaluationMode.AUTOMATIC, send_at__lte=moment
    )


def invitations_due_exist(*, now: datetime | None = None) -> bool:
    """Whether automatic invitations are due now (the worker goes on dispatching without waiting a minute)."""
    return _due(now or timezone.now()).exists()


def invitations_dispatch_due(
    *, now: datetime | None = None, limit: int = DISPATCH_BATCH, budget_seconds: float = DISPATCH_BUDGET_SECONDS
) -> dict[str, int]:
    """Send automatic invitations that are due (a worker minute job). Returns outcomes counted by status.

    Works batch after batch until nothing is due or the time budget is spent, so a backlog
    drains at the speed of the database, not at one batch a minute; the worker's loop runs it
    again at once while invitations are still due, its other jobs between two slices.
    """
    started = monotonic()
    outcomes: Counter = Counter()
    while True:
        moment = now or timezone.now()
        with transaction.atomic():
            rows = list(
                _due(moment)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(*DUE_RELATED)
                .defer(*DUE_UNREAD)
                .prefetch_related("organization")
                .order_by("send_at", "pk")[:limit]
            )
            if rows:
                outcomes.update(invitations_deliver(rows, now=moment, quiet_hours=True))
        if len(rows) < limit or monotonic() - started > budget_seconds:
            break
    expired = _expire_forgotten_letters(now=now or timezone.now(), limit=limit)
    if expired:
        outcomes[ScheduledStatus.EXPIRED] += expired
    return dict(outcomes)


def _expire_forgotten_letters(*, now: datetime, limit: int) -> int:
    """Manual letters nobody sent or moved within the expiry: a question that late is not asked."""
    expired = 0
    # Oldest first, and no organization expires sooner than a day: the scan stops at what is fresh.
    candidates = (
        ScheduledInvitation.objects.filter(
            mode=EvaluationMode.MANUAL, status=ScheduledStatus.SCHEDULED, due_at__lt=now - timedelta(days=1)
        )
        .select_related("organization")
        .order_by("due_at", "pk")[:limit]
    )
    for scheduled in candidates:
        config = outreach_settings(organization=scheduled.organization)
        if now - scheduled.due_at <= timedelta(days=config.expire_after_days):
            continue
        with translation.override(scheduled.organization.default_language):
            reason = _("Not sent within %(days)s days of its due date.") % {"days": config.expire_after_days}
        expired += ScheduledInvitation.objects.filter(pk=scheduled.pk, status=ScheduledStatus.SCHEDULED).update(
            status=ScheduledStatus.EXPIRED, reason=reason, updated_at=now
        )
    return expired
