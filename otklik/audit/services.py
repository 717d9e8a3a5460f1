"""Recording audit events; every module that does something worth auditing calls `record`."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from otklik.audit.models import AuditEvent


def record(
    *,
    action: str,
    organization=None,
    actor=None,
    actor_label: str = "",
    target: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Store one audit event. `request` gives the client address (as the proxy settings resolve it)."""
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:254],
        action=action,
        target=str(target)[:300],
        details=details or {},
        client_address=address or None,
    )


def audit_prune(*, organization, now=None) -> int:
    """Delete the organization's events older than its retention; returns how many. 0 days keeps them all."""
    days = organization.data_retention_days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = AuditEvent.objects.filter(organization=organization, created_at__lt=cutoff).delete()
    return deleted
