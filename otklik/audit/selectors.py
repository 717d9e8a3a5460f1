"""Reads of the audit log: one organization's events, filtered as the owner asks."""

from datetime import date

from django.db.models import QuerySet

from otklik.audit.models import AuditEvent


def audit_events(
    *,
    organization,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organization's events, newest first; `actor` matches the recorded name, `until` includes its day."""
    events = AuditEvent.objects.filter(organization=organization)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__icontains=actor.strip())
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")
