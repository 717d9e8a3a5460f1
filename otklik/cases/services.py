"""The closed loop: open a case from an answer and walk it through the five steps (C2).

thank → apologize / offer compensation → promise a fix (or say honestly it cannot
be fixed) → fix → report. Each step is a service; each refuses to run out of order.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from otklik.accounts.models import Location, Membership, Role
from otklik.accounts.selectors import in_organization_language, member_language, site_url
from otklik.batch import insert_later, insert_later_with_id
from otklik.cases.addresses import case_customer_address
from otklik.cases.compensation import compensation_limit_for
from otklik.cases.models import Case, CaseEvent, CaseSource, CompensationKind, ContactWay, Severity, Step
from otklik.cases.visibility import case_visible_to
from otklik.customers.models import Customer
from otklik.customers.services import customer_match
from otklik.insights.profanity import masked
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import outbox_enqueue, render_customer_message, template_for
from otklik.rollups.cases import case_facts, rollup_case_change
from otklik.rows import insert_one
from otklik.surveys.kinds import KINDS
from otklik.surveys.models import Response

STEP_ORDER = [Step.NEW, Step.THANKED, Step.APOLOGIZED, Step.PROMISED, Step.FIXED, Step.RESOLVED]


class CaseStepError(ValidationError):
    """A step asked for out of order or without what it needs."""


def default_responsible(*, location: Location) -> User | None:
    """The location's responsible person, else the organization's first manager or owner."""
    if location.responsible_id:
        return location.responsible
    fallback = (
        Membership.objects.filter(
            organization_id=location.organization_id, role__in=[Role.MANAGER, Role.OWNER], is_active=True
        )
        .select_related("user")
        .order_by("role", "id")
        .first()
    )
    return fallback.user if fallback else None


def _customer_context(case: Case, reply_by: Callable[..., str] | None = None) -> dict[str, str]:
    return {
        # By when the customer will hear from us: only the thank-you names it, and its caller (the intake's
        # complaint flow) passes the SLA's reading in, as the SLA sits above cases. Read here, in the
        # customer's language, and only when a message is written.
        "reply_by": reply_by(case=case) if reply_by is not None else "",
        "customer_name": case.customer_name or _("customer"),
        "organization": case.organization.name,
        "case_number": f"#{case.pk}",
        "location": case.location.name,
        "complaint": case.content,
        "what_was_done": case.fix_description,
        "cause": case.cause,
        "action_taken": case.action_taken,
        "prize": case.prize,
    }


# The report carries what step 5 found and did even where an organization's own template forgets to say it.
# Customer-facing, so in the customer's language like the templates, not the interface's (.po files).
REPORT_LINES = {
    "cause": {"en": "The cause we found: {}", "ru": "Причина проблемы: {}", "uk": "Причина проблеми: {}"},
    "action_taken": {"en": "What we did: {}", "ru": "Принятые меры: {}", "uk": "Вжиті заходи: {}"},
}
REPORT_KINDS = ("case_report", "case_cannot_fix")


def _render_for_customer(case: Case, kind: str, reply_by: Callable[..., str] | None = None) -> tuple[str, str]:
    """The (subject, body) of a message to the case's customer, in the case's language."""
    with translation.override(case.language):
        subject, body = render_customer_message(
            organization=case.organization,
            kind=kind,
            language=case.language,
            context=_customer_context(case, reply_by=reply_by),
        )
    if kind in REPORT_KINDS:
        template = "".join(template_for(organization=case.organization, kind=kind, language=case.language))
        missing = [
            REPORT_LINES[name].get(case.language, REPORT_LINES[name]["en"]).format(getattr(case, name))
            for name in REPORT_LINES
            if getattr(case, name) and "{" + name + "}" not in template
        ]
        if missing:
            body = body.rstrip() + "\n\n" + "\n".join(missing) + "\n"
    return subject, body


def _queue_customer_message(
    case: Case, kind: str, body: str = "", reply_by: Callable[..., str] | None = None
) -> OutboxMessage | None:
    """Queue a message to the case's customer (once per kind); `body` replaces the rendered one (edited by staff)."""
    address = case_customer_address(case=case)
    if address is None:
        return None
    subject, rendered = _render_for_customer(case, kind, reply_by=reply_by)
    return outbox_enqueue(
        organization=case.organization,
        key=f"case:{case.pk}:{kind}",
        recipient=address.recipient,
        subject=subject,
        body=body.strip() or rendered,
        kind=kind,
        case=case,
        channel=address.channel,
        customer=address.customer,
        address_language=case.language,
    )


def case_mark_thanked_by_message(*, case: Case, message: OutboxMessage) -> bool:
    """An automatic thank-you is the customer's first answer: mark step 1 with its time and channel.

    Without it the case stayed "new" and the SLA clock kept running although the customer had been
    thanked. A case someone already moved on keeps what they recorded. Returns True when it marked.
    """
    if case.step != Step.NEW:
        return False
    if message.channel not in ContactWay.values:
        return False
    when = message.created_at or timezone.now()
    marked = Case.objects.filter(pk=case.pk, step=Step.NEW).update(
        step=Step.THANKED, thanked_at=when, thanked_via=message.channel
    )
    if not marked:
        return False
    before = case_facts(case)
    case.step, case.thanked_at, case.thanked_via = Step.THANKED, when, message.channel
    rollup_case_change(organization=case.organization, before=before, after=case_facts(case))
    with in_organization_language(case.organization):
        note = _("Thanked automatically by %(channel)s") % {"channel": ContactWay(message.channel).label}
    _event(case, Step.THANKED, None, note)
    return True


def case_thank_you_queue(*, case: Case, reply_by: Callable[..., str]) -> OutboxMessage | None:
    """Thank the case's customer at once (if we can reach them), saying by when they will hear from us.

    The thank-you marks step 1 (docs/decisions/0012). `reply_by(case=…)` writes the SLA's first-answer
    deadline the customer's way (`sla.selectors.case_reply_by`: the SLA sits above cases).
    """
    thank_you = _queue_customer_message(case, "case_thank_you", reply_by=reply_by)
    if thank_you is not None:
        case_mark_thanked_by_message(case=case, message=thank_you)
    return thank_you


def case_alert_recipient(*, case: Case) -> User | None:
    """Who is alerted about the case: its responsible person, if they may see it."""
    person = case.responsible
    if person is None or not case_visible_to(case=case, user=person):
        return None
    return person


def case_alert_queue(*, case: Case, person: User, channels: list[tuple[str, str]]) -> None:
    """Tell the responsible person at once (B4: the first minutes matter), by the channels they chose.

    `channels` are (channel, recipient) pairs: the person's alert choices, which live in sla, above cases.
    """
    if not channels:
        return

    with translation.override(member_language(user=person, organization=case.organization)):
        subject = _("New complaint #%(number)s at %(location)s") % {
            "number": case.pk,
            "location": case.location.name,
        }
        body = _(
            "A customer left a low score at %(location)s.\n\n«%(content)s»\n\n"
            "Thank them, fix it and report back: %(url)s"
        ) % {
            "location": case.location.name,
            # E-mail and Telegram leave the app: insults are masked for every recipient (D2).
            "content": masked(case.content, case.organization_id),
            "url": site_url(organization=case.organization) + reverse("cases:detail", args=[case.pk]),
        }
    for channel, recipient in channels:
        outbox_enqueue(
            organization=case.organization,
            key=f"case:{case.pk}:alert:{person.pk}:{channel}",
            recipient=recipient,
            subject=subject,
            body=body,
            kind="case_alert",
            case=case,
            channel=channel,
        )


def _event(case: Case, step: str, actor: User | None, note: str = "") -> None:
    # In the worker's batch of answers, inserted with the batch's other events at its end (decision 0030).
    insert_later(CaseEvent(case=case, step=step, actor=actor, note=note))


def case_content_for_response(*, response: Response) -> str:
    """What a case opened from an answer says: the comment, else the extra answers, else the bare score."""
    spec = KINDS[response.kind]
    return (
        response.comment
        or _extra_answers_content(response)
        or _("Score %(score)s of %(max)s, no comment.") % {"score": response.score, "max": spec.max_score}
    )


def _extra_answers_content(response: Response) -> str:
    """The answers to the extra questions, "question: answer" a line, for a case whose answer has no comment."""
    from otklik.surveys.models import QuestionAnswer

    extra = getattr(response, "_extra_answers", None)
    if extra is None:
        extra = QuestionAnswer.objects.filter(response=response)
    return "\n".join(f"{item.label} {item.value}" for item in extra if item.value)


def _case_customer_id(response: Response | None, location: Location, email: str, phone: str) -> int | None:
    """The answer's customer, else the customer a complaint's e-mail or phone belongs to (D3)."""
    if response is not None and response.customer_id:
        return response.customer_id
    customer = customer_match(organization=location.organization, email=email, phone=phone)
    return customer.pk if customer else None


def _customer_language(customer_id: int | None, *, content: str, location: Location) -> str:
    """The language to write to a complaint's customer in: the customer base's, else the language the
    complaint is written in, else the organization's (a Russian complaint is not answered "Dear …")."""
    known = Customer.objects.filter(pk=customer_id).values_list("language", flat=True).first() if customer_id else ""
    if known:
        return known
    # A pure text function (no models): detecting a language needs no part of the insights app above.
    from otklik.insights.text import detect_language

    return detect_language(content, default=location.organization.default_language)


def case_create(
    *,
    location: Location,
    content: str,
    response: Response | None = None,
    touchpoint=None,
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    customer: Customer | None = None,
    language: str = "",
    severity: str = Severity.MEDIUM,
    created_at=None,
    responsible: User | None = None,
    source: str = CaseSource.SURVEY,
    external_id: str | None = None,
    by: User | None = None,
    note: str = "",
) -> Case:
    """Store a case and its first event; nobody is told yet. Call it inside a transaction.

    It has no savepoint of its own: its one caller, `intake.complaints.complaint_open`, holds the transaction
    that stores the case with what follows (its rules, alert, thank-you), and a savepoint would add two
    statements to every complaint. `responsible` overrides the location's responsible person. `source` says
    where a complaint recorded by hand came from. Without a `language`, the customer is written to in their
    own language, else the organization's.
    """
    if source not in CaseSource.values:
        raise ValidationError(_("Unknown source of the complaint."))
    if customer is not None and customer.organization_id != location.organization_id:
        raise ValidationError(_("The customer belongs to another organization."))
    customer_id = customer.pk if customer else _case_customer_id(response, location, customer_email, customer_phone)
    if not language:
        language = _customer_language(customer_id, content=f"{customer_name}\n{content}", location=location)
    # In the worker's batch of answers (PostgreSQL, no savepoints) the case gets its id from the sequence now and is
    # inserted with the claim's other new cases in one statement, before anything reads or changes it (decision
    # 0082: one INSERT a detractor was most of a claim's statements). Elsewhere it is compiled once per process
    # (`insert_one`): the ORM's compiling was most of the CPU of a case opened in the worker (decision 0040).
    case = Case(
        organization=location.organization,
        response=response,
        customer_id=customer_id,
        location=location,
        touchpoint=touchpoint,
        content=content,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        language=language,
        severity=severity,
        responsible=responsible or default_responsible(location=location),
        created_at=created_at or timezone.now(),
        source=source,
        external_id=external_id or None,
    )
    if not insert_later_with_id(case, touched=True):
        insert_one(case)
    rollup_case_change(organization=case.organization, after=case_facts(case))
    if not note:
        with in_organization_language(case.organization):
            note = _("Opened")
    _event(case, Step.NEW, by, note)
    return case


def _require_step(case: Case, expected: str) -> None:
    if case.step != expected:
        raise CaseStepError(
            _("This step needs the case to be at “%(expected)s”; it is at “%(actual)s”.")
            % {"expected": Step(expected).label, "actual": Step(case.step).label}
        )


@transaction.atomic
def case_update(
    *, case: Case, by: User, responsible: User | None, severity: str, planned_fix_date: date | None
) -> Case:
    """Reassign the case, set its objective severity and planned fix date.

    The new holder's alert is the caller's (`intake.complaints.complaint_reassign`): their channels live in sla.
    """
    if severity not in Severity.values:
        raise ValidationError(_("Unknown severity."))
    if (
        responsible is not None
        and not Membership.objects.filter(
            organization_id=case.organization_id, user=responsible, is_active=True
        ).exists()
    ):
        raise ValidationError(_("The responsible person must belong to the organization."))
    before = case_facts(case)
    case.responsible, case.severity, case.planned_fix_date = responsible, severity, planned_fix_date
    case.save(update_fields=["responsible", "severity", "planned_fix_date"])
    rollup_case_change(organization=case.organization, before=before, after=case_facts(case))
    _event(case, case.step, by, _("Updated assignment"))
    return case


@transaction.atomic
def case_thank(*, case: Case, by: User, via: str, note: str = "") -> Case:
    """Step 1: the customer was thanked for speaking up, and how."""
    _require_step(case, Step.NEW)
    if via not in ContactWay.values:
        raise CaseStepError(_("Say how the customer was thanked."))
    before = case_facts(case)
    case.step, case.thanked_at, case.thanked_via = Step.THANKED, timezone.now(), via
    case.save(update_fields=["step", "thanked_at", "thanked_via"])
    rollup_case_change(organization=case.organization, before=before, after=case_facts(case))
    _event(case, Step.THANKED, by, note)
    return case


@transaction.atomic
def case_apologize(
    *,
    case: Case,
    by: User,
    apology: str,
    compensation: str = "",
    compensation_kind: str = "",
    compensation_amount: Decimal | None = None,
    compensation_code: str = "",
    via: str = "",
) -> Case:
    """Step 2: apologize and, where fair, offer compensation (a bonus, a coupon code or an amount).

    `via` says how the apology reached the customer; it and the time are kept on the case.

    An amount above the limit of the actor's role (F3, set on the rules page) is refused: frontline
    employees decide alone within it, and ask a manager beyond it.
    """
    _require_step(case, Step.THANKED)
    if not apology.strip():
        raise CaseStepError(_("Write the apology given to the customer."))
    if via and via not in ContactWay.values:
        raise CaseStepError(_("Unknown way of contacting the customer."))
    if compensation_kind and compensation_kind not in CompensationKind.values:
        raise CaseStepError(_("Unknown kind of compensation."))
    if compensation_kind == CompensationKind.AMOUNT and compensation_amount is None:
        raise CaseStepError(_("Give the amount of the compensation."))
    if compensation_kind == CompensationKind.COUPON and not compensation_code.strip():
        raise CaseStepError(_("Give the coupon code."))
    if compensation_amount is not None:
        if compensation_amount < 0:
            raise CaseStepError(_("The compensation amount cannot be negative."))
        limit = compensation_limit_for(organization=case.organization, user=by)
        if limit is not None and compensation_amount > limit:
            raise CaseStepError(
                _("Your role may grant at most %(limit)s on its own; ask a manager for %(amount)s.")
                % {"limit": limit, "amount": compensation_amount}
            )
    case.step, case.apology, case.compensation = Step.APOLOGIZED, apology.strip(), compensation.strip()
    case.compensation_kind, case.compensation_amount = compensation_kind, compensation_amount
    case.compensation_code = compensation_code.strip()
    case.apologized_at, case.apology_via = timezone.now(), via
    case.save(
        update_fields=[
            "step",
            "apologized_at",
            "apology_via",
            "apology",
            "compensation",
            "compensation_kind",
            "compensation_amount",
            "compensation_code",
        ]
    )
    _event(case, Step.APOLOGIZED, by, compensation)
    return case


@transaction.atomic
def case_promise(
    *,
    case: Case,
    by: User,
    fix_promise: str,
    planned_fix_date: date | None,
    cannot_fix: bool = False,
    via: str = "",
) -> Case:
    """Step 3: promise a fix with a date, or say honestly that it cannot be fixed; `via`: how the customer heard."""
    _require_step(case, Step.APOLOGIZED)
    if via and via not in ContactWay.values:
        raise CaseStepError(_("Unknown way of contacting the customer."))
    if not fix_promise.strip():
        raise CaseStepError(_("Describe the fix you promise, or why it cannot be fixed."))
    if not cannot_fix and planned_fix_date is None:
        raise CaseStepError(_("Give a planned fix date."))
    case.step, case.fix_promise, case.cannot_fix = Step.PROMISED, fix_promise.strip(), cannot_fix
    case.planned_fix_date = None if cannot_fix else planned_fix_date
    case.promised_at, case.promise_via = timezone.now(), via
    case.save(update_fields=["step", "fix_promise", "cannot_fix", "planned_fix_date", "promised_at", "promise_via"])
    _event(case, Step.PROMISED, by, fix_promise)
    return case


@transaction.atomic
def case_fix(*, case: Case, by: User, fix_description: str) -> Case:
    """Step 4: record what was done, at the system level."""
    _require_step(case, Step.PROMISED)
    if case.cannot_fix:
        raise CaseStepError(_("This case was marked as impossible to fix; report it instead."))
    if not fix_description.strip():
        raise CaseStepError(_("Describe what was done."))
    case.step, case.fix_description, case.fixed_at = Step.FIXED, fix_description.strip(), timezone.now()
    case.save(update_fields=["step", "fix_description", "fixed_at"])
    _event(case, Step.FIXED, by, fix_description)
    return case


@transaction.atomic
def case_report(*, case: Case, by: User, via: str, cause: str = "", action_taken: str = "", message: str = "") -> Case:
    """Step 5: tell the customer what changed thanks to them; the case is resolved.

    Closing needs the cause found and the action taken (C2), also when it honestly cannot be fixed;
    the written report carries both. `message` is the report as the employee edited it after a
    preview (`case_report_preview`); empty, the template in force is used.
    """
    expected = Step.PROMISED if case.cannot_fix else Step.FIXED
    _require_step(case, expected)
    if via not in ContactWay.values:
        raise CaseStepError(_("Say how the report reached the customer."))
    if not cause.strip():
        raise CaseStepError(_("Write the cause of the problem before closing the case."))
    if not action_taken.strip():
        raise CaseStepError(_("Write the action taken before closing the case."))
    case.cause, case.action_taken = cause.strip(), action_taken.strip()
    if case.cannot_fix and not case.fix_description:
        case.fix_description = case.fix_promise
    now = timezone.now()
    before = case_facts(case)
    case.step, case.report_via, case.report_sent_at, case.resolved_at = Step.RESOLVED, via, now, now
    case.save(
        update_fields=[
            "step",
            "report_via",
            "report_sent_at",
            "resolved_at",
            "fix_description",
            "cause",
            "action_taken",
        ]
    )
    rollup_case_change(organization=case.organization, before=before, after=case_facts(case))
    _event(case, Step.RESOLVED, by)
    # A customer who left an e-mail always gets the written report, whatever else was done.
    _queue_customer_message(case, _report_kind(case), body=message)
    return case


def _report_kind(case: Case) -> str:
    return "case_cannot_fix" if case.cannot_fix else "case_report"


def case_report_preview(*, case: Case, cause: str, action_taken: str) -> str:
    """The report the customer would get with this cause and these measures, for the employee to edit.

    Nothing is saved: the case is only read and given the typed values in memory.
    """
    draft = Case.objects.select_related("organization", "location").get(pk=case.pk)
    draft.cause, draft.action_taken = cause.strip(), action_taken.strip()
    if draft.cannot_fix and not draft.fix_description:
        draft.fix_description = draft.fix_promise
    return _render_for_customer(draft, _report_kind(draft))[1]


@transaction.atomic
def case_grant_prize(*, case: Case, by: User, prize: str) -> Case:
    """A prize for a useful complaint (C8), granted once by a manager and sent to the customer once."""
    if not Membership.objects.filter(
        organization_id=case.organization_id, user=by, role__in=[Role.OWNER, Role.MANAGER], is_active=True
    ).exists():
        raise CaseStepError(_("Only a manager may grant a prize for a complaint."))
    if not prize.strip():
        raise CaseStepError(_("Describe the prize."))
    # A conditional update, so two managers clicking at once grant one prize.
    now = timezone.now()
    granted = Case.objects.filter(pk=case.pk, prize="").update(
        prize=prize.strip()[:300], prize_granted_by=by, prize_granted_at=now
    )
    if not granted:
        raise CaseStepError(_("A prize was already granted for this complaint."))
    case.refresh_from_db()
    _event(case, case.step, by, _("Prize granted: %(prize)s") % {"prize": case.prize})
    _queue_customer_message(case, "complaint_prize")
    return case
