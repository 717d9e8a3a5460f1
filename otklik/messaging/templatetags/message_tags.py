from django import template

from otklik.messaging.kinds import message_kind_label

register = template.Library()


@register.filter
def message_kind(kind: str) -> str:
    """`{{ message.kind|message_kind }}`: the kind's name, not its code."""
    return message_kind_label(kind)
