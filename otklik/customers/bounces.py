"""Bounce reports applied to the customer base: a permanently failed address is marked undeliverable."""

from django.utils import timezone

from otklik.customers.models import Customer
from otklik.messaging.bounces import bounce_record, bounces_read
from otklik.messaging.channels import CHANNELS


def bounce_ingest(raw: bytes) -> list[str]:
    """Apply one bounce report; returns the addresses it marked invalid. Safe to apply twice."""
    bounces, message_id = bounces_read(raw)
    email = CHANNELS["email"]  # bounce reports (RFC 3464) are about e-mail
    marked = []
    for bounce in bounces:
        found = Customer.objects.filter(
            **{f"{email.address_field}__iexact": bounce.address, f"{email.undeliverable_field}__isnull": True}
        )
        if found.update(**{email.undeliverable_field: timezone.now()}):
            marked.append(bounce.address)
        bounce_record(bounce=bounce, message_id=message_id)
    return marked
