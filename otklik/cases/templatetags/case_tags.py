"""Small display helpers for case pages."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def age(value: datetime | timedelta | None) -> str:
    """How long something has waited, in its largest unit only: "3 days", "5 hours"."""
    if value is None:
        return ""
    if isinstance(value, timedelta):
        value = timezone.now() - value
    return timesince(value, depth=1)
