"""Reads of the outbox and of the message templates, always for one organization."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from otklik.accounts.models import Organization
from otklik.messaging.defaults import DEFAULTS, PLACEHOLDERS
from otklik.messaging.models import MessageTemplate, OutboxMessage, TemplateKind


def outbox_messages(*, organization: Organization, status: str = "", kind: str = "") -> QuerySet[OutboxMessage]:
    """The organization's outbox, newest first, optionally narrowed by status and kind."""
    messages = OutboxMessage.objects.filter(organization=organization)
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.order_by("-created_at", "-id")


def outbox_kinds(*, organization: Organization) -> list[str]:
    """The kinds of message this organization's outbox holds, for the filter."""
    return list(
        OutboxMessage.objects.filter(organization=organization)
        .order_by("kind")
        .values_list("kind", flat=True)
        .distinct()
    )


def outbox_message_get(*, organization: Organization, message_id: int) -> OutboxMessage:
    """One outbox message of the organization; Http404 for another organization's."""
    message = OutboxMessage.objects.filter(organization=organization, pk=message_id).select_related("case").first()
    if message is None:
        raise Http404("No such message.")
    return message


@dataclass(frozen=True)
class EffectiveTemplate:
    kind: str
    kind_label: str
    language: str
    language_label: str
    subject: str
    body: str
    is_edited: bool  # False: the shipped default applies


def template_languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def template_effective(*, organization: Organization, kind: str, language: str) -> EffectiveTemplate:
    """The template in force for one kind and language: the organization's edit, else the default.

    Http404 for a kind or language that does not exist.
    """
    languages = dict(template_languages())
    if kind not in TemplateKind.values or kind not in DEFAULTS or language not in languages:
        raise Http404("No such template.")
    edited = MessageTemplate.objects.filter(organization=organization, kind=kind, language=language).first()
    if edited is not None:
        subject, body = edited.subject, edited.body
    else:
        subject, body = DEFAULTS[kind].get(language) or DEFAULTS[kind]["en"]
    return EffectiveTemplate(
        kind=kind,
        kind_label=str(TemplateKind(kind).label),
        language=language,
        language_label=languages[language],
        subject=subject,
        body=body,
        is_edited=edited is not None,
    )


def templates_effective(*, organization: Organization) -> list[EffectiveTemplate]:
    """Every template kind × interface language, as the organization's customers would get it."""
    return [
        template_effective(organization=organization, kind=kind, language=language)
        for kind in TemplateKind.values
        for language, _name in template_languages()
    ]


def template_placeholder_names() -> list[str]:
    return sorted(PLACEHOLDERS)
