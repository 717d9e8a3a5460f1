"""Recording audit events; every module that does something worth auditing calls `record`."""

from typing import Any

from django.http import HttpRequest

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
