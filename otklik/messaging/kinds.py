"""What each kind of outbox message is called on the staff pages: the stored kind is a code, never shown."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.messaging.models import TemplateKind

# Messages to staff; customer messages are named by TemplateKind.
STAFF_KINDS = {
    "case_alert": gettext_lazy("New complaint alert"),
    "rule_notify": gettext_lazy("Rule notification"),
    "sla_escalation": gettext_lazy("Escalation"),
    "sla_digest": gettext_lazy("Daily digest"),
}


def message_kind_label(kind: str) -> str:
    """The human name of an outbox message kind, in the active language."""
    if kind in STAFF_KINDS:
        return str(STAFF_KINDS[kind])
    if kind in TemplateKind.values:
        return str(TemplateKind(kind).label)
    return _("Other message")
