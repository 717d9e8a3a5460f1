"""Personal data on request (GDPR art. 15 and 17, 152-FZ art. 14 and 21): export everything, or erase.

Export: one ZIP with a JSON and a CSV file per kind of record held about the customer
(profile and consents, answers, cases with their history, messages, purchases, events,
invitations), for the customer to take away.

Erase: the person can no longer be identified, while the figures stay right. Contacts
and free text are removed (answers' comments, the complaint's wording, message bodies,
event data) or anonymized (the staff's notes and replies keep their sense, with the
customer's name, phone and e-mail replaced by placeholders); scores, dates, places and
amounts stay for the aggregates. Nothing more reaches the customer: queued messages are
withdrawn, planned invitations cancelled, consents cleared, and a later push of the same
external id from the CRM brings no contacts back (`Customer.erased_at`).

Its own app, above every app that holds personal data: it reaches into all of them, and none of them
needs it (the customer base only reads `Customer.erased_at`).
"""

import csv
import datetime
import decimal
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.audit.models import AuditAction
from otklik.audit.services import record
from otklik.cases.models import Case, CaseEvent
from otklik.customers.models import Customer
from otklik.improvements.models import ContactAttempt
from otklik.insights.services import TAG_BATCH, answers_forget_themes
from otklik.messaging.channels import CHANNELS
from otklik.messaging.models import OutboxMessage, OutboxStatus
from otklik.outreach.models import OutreachTask, ScheduledInvitation, ScheduledStatus
from otklik.publication.redaction import redact
from otklik.rollups.services import rollup_add_response, rollup_remove_response
from otklik.surveys.models import Invitation, Response

EXPORT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _rows(queryset, fields: list[str]) -> list[dict]:
    return [{field: _plain(row[field]) for field in fields} for row in queryset.values(*fields)]


def _messages(customer: Customer, *, staff_too: bool = False):
    """Messages to the customer; with `staff_too`, also the staff's alerts about their cases (which quote them)."""
    if staff_too:
        return OutboxMessage.objects.filter(Q(customer=customer) | Q(case__customer=customer)).distinct()
    cases = Case.objects.filter(customer=customer)
    addresses = {channel.address_of(customer) for channel in CHANNELS.values()}
    addresses |= set(cases.values_list("customer_email", flat=True)) | set(
        cases.values_list("customer_phone", flat=True)
    )
    addresses.discard("")
    return OutboxMessage.objects.filter(
        Q(customer=customer) | Q(case__customer=customer, recipient__in=addresses)
    ).distinct()


def _invitations(customer: Customer):
    return Invitation.objects.filter(customer=customer)


def customer_export_data(*, customer: Customer) -> dict[str, list[dict]]:
    """Everything held about the customer, as lists of plain records by kind."""
    profile = {
        field: _plain(getattr(customer, field))
        for field in (
            "id",
            "external_id",
            "name",
            *(channel.address_field for channel in CHANNELS.values()),
            "language",
            "segment",
            "customer_since",
            "created_at",
            "updated_at",
        )
    }
    profile["tags"] = ", ".join(customer.tags.values_list("name", flat=True))
    consents = [
        {
            "channel": channel.name,
            "consent": getattr(customer, channel.consent_field),
            "address_invalid_at": _plain(getattr(customer, channel.undeliverable_field)),
        }
        for channel in CHANNELS.values()
    ]
    cases = Case.objects.filter(customer=customer)
    return {
        "customer": [profile],
        "consents": consents,
        "answers": _rows(
            customer.responses.order_by("created_at"),
            [
                "id",
                "created_at",
                "kind",
                "score",
                "comment",
                "second_answer",
                "language",
                "location__name",
                "touchpoint__name",
                "customer_name",
                "customer_email",
                "customer_phone",
                "source",
            ],
        ),
        "cases": _rows(
            cases.order_by("created_at"),
            [
                "id",
                "created_at",
                "location__name",
                "content",
                "customer_name",
                "customer_email",
                "customer_phone",
                "step",
                "apology",
                "compensation",
                "fix_promise",
                "fix_description",
                "resolved_at",
            ],
        ),
        "case_events": _rows(
            CaseEvent.objects.filter(case__in=cases).order_by("created_at"), ["case_id", "created_at", "step", "note"]
        ),
        "messages": _rows(
            _messages(customer).order_by("created_at"),
            ["id", "created_at", "channel", "kind", "recipient", "subject", "body", "status", "sent_at"],
        ),
        "purchases": _rows(
            customer.purchases.order_by("purchased_at"),
            ["external_id", "purchased_at", "product__name", "amount", "currency", "location__name"],
        ),
        "events": _rows(customer.events.order_by("occurred_at"), ["external_id", "name", "occurred_at", "data"]),
        "invitations": _rows(
            _invitations(customer).order_by("created_at"),
            ["created_at", "survey__name", "customer_name", "customer_email", "answered_at"],
        ),
        "planned_invitations": _rows(
            ScheduledInvitation.objects.filter(customer=customer).order_by("created_at"),
            ["created_at", "status", "due_at", "sent_at", "channel", "recipient"],
        ),
    }


def _csv(records: list[dict]) -> str:
    buffer = io.StringIO()
    if records:
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
        writer.writeheader()
        for record in records:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
                    for key, value in record.items()
                }
            )
    return "\ufeff" + buffer.getvalue()  # Excel opens Cyrillic correctly with the byte order mark


def customer_export_zip(*, customer: Customer) -> bytes:
    """The ZIP handed to the customer: `<kind>.json` and `<kind>.csv` for each kind, and `export.json`."""
    data = customer_export_data(customer=customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "export.json",
            json.dumps(
                {
                    "version": EXPORT_VERSION,
                    "organization": customer.organization.name,
                    "exported_at": timezone.now().isoformat(),
                    "files": sorted(data),
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
        for kind, records in data.items():
            archive.writestr(f"{kind}.json", json.dumps(records, ensure_ascii=False, indent=2))
            archive.writestr(f"{kind}.csv", _csv(records))
    return buffer.getvalue()


@dataclass(frozen=True)
class ErasureResult:
    answers: int
    cases: int
    messages_withdrawn: int
    messages_scrubbed: int
    invitations_cancelled: int

    def as_dict(self) -> dict:
        return asdict(self)


def _anonymize(text: str, *, names: list[str]) -> str:
    return redact(text, known_names=names)[0] if text else text


@transaction.atomic
def customer_erase(*, customer: Customer, actor: User | None = None) -> ErasureResult:
    """Erase the customer's personal data; scores and amounts stay. See the module docstring."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    now = timezone.now()
    answers = Response.objects.filter(customer=customer)
    cases = Case.objects.filter(customer=customer)
    names = [
        n
        for n in {
            customer.name,
            *answers.values_list("customer_name", flat=True),
            *cases.values_list("customer_name", flat=True),
        }
        if n
    ]

    # Nothing more reaches the customer.
    withdrawn = (
        _messages(customer)
        .filter(status=OutboxStatus.PENDING)
        .update(status=OutboxStatus.SUPPRESSED, last_error="The customer's data was erased on request.")
    )
    scrubbed = _messages(customer, staff_too=True).update(
        body=""
    )  # staff alerts about the cases quoted the complaint too
    OutboxMessage.objects.filter(customer=customer).update(recipient="—")
    cancelled = ScheduledInvitation.objects.filter(
        customer=customer, status__in=[ScheduledStatus.SCHEDULED, ScheduledStatus.WAITING_DATE]
    ).update(status=ScheduledStatus.CANCELLED, reason=_("The customer's data was erased on request."), updated_at=now)
    ScheduledInvitation.objects.filter(customer=customer).update(recipient="")
    _invitations(customer).update(customer_name="", customer_email="")

    # Free text removed, staff's words anonymized, scores kept. The themes found in the text go first, while the
    # answers still have it: the tag rollups uncount them as they were counted.
    _forget_themes(customer, answers)
    _uncount_text(customer, answers)
    answer_count = answers.update(comment="", second_answer="", customer_name="", customer_email="", customer_phone="")
    removed = _("[removed at the customer's request]")
    for case in cases:
        for field in ("apology", "compensation", "fix_promise", "fix_description"):
            setattr(case, field, _anonymize(getattr(case, field), names=names))
        case.content, case.customer_name, case.customer_email, case.customer_phone = removed, "", "", ""
        case.save()
    for event in CaseEvent.objects.filter(case__in=cases).exclude(note=""):
        CaseEvent.objects.filter(pk=event.pk).update(note=_anonymize(event.note, names=names))
    for attempt in ContactAttempt.objects.filter(case__in=cases).exclude(note=""):
        ContactAttempt.objects.filter(pk=attempt.pk).update(note=_anonymize(attempt.note, names=names))
    for task in OutreachTask.objects.filter(customer=customer):
        OutreachTask.objects.filter(pk=task.pk).update(
            title=_anonymize(task.title, names=names), note=_anonymize(task.note, names=names)
        )
    customer.events.update(data={})

    customer.tags.clear()
    for field in ("name", "language", *(channel.address_field for channel in CHANNELS.values())):
        setattr(customer, field, "")
    for channel in CHANNELS.values():
        setattr(customer, channel.consent_field, False)
    customer.erased_at = now
    customer.save()
    return ErasureResult(
        answers=answer_count,
        cases=cases.count(),
        messages_withdrawn=withdrawn,
        messages_scrubbed=scrubbed,
        invitations_cancelled=cancelled,
    )


def _uncount_text(customer: Customer, answers) -> None:
    # The answer rollups count answers with text (what theme shares and the "Other" line are taken of): each
    # counted answer that had text moves to "without text" in its day's and month's rows. A pending answer is
    # counted later by the worker, as it then is.
    organization = customer.organization
    with_text = answers.filter(rules_pending=False).filter(~Q(comment="") | ~Q(second_answer=""))
    for response in with_text.iterator(chunk_size=TAG_BATCH):
        rollup_remove_response(response=response, organization=organization)
        response.comment = response.second_answer = ""
        rollup_add_response(response=response, organization=organization)


def _forget_themes(customer: Customer, answers) -> None:
    # The themes were found in the removed text; their weights (and the "other" count) would otherwise still count it.
    answers_forget_themes(organization=customer.organization, responses=answers.iterator(chunk_size=TAG_BATCH))


def customer_export_to(*, customer: Customer, actor: User | None, request=None, via: str = "web") -> bytes:
    """The export, recorded in the audit log (who exported whose data, when, from where)."""
    content = customer_export_zip(customer=customer)
    record(
        action=AuditAction.CUSTOMER_EXPORTED,
        organization=customer.organization,
        actor=actor,
        target=f"customer #{customer.pk}",
        details={"via": via, "bytes": len(content)},
        request=request,
    )
    return content


def customer_erase_by(*, customer: Customer, actor: User | None, request=None, via: str = "web") -> ErasureResult:
    """The erasure, recorded in the audit log with what was done (no personal data in the record)."""
    with transaction.atomic():
        result = customer_erase(customer=customer, actor=actor)
        record(
            action=AuditAction.CUSTOMER_ERASED,
            organization=customer.organization,
            actor=actor,
            target=f"customer #{customer.pk}",
            details={"via": via, **result.as_dict()},
            request=request,
        )
    return result
