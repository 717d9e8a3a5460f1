"""A customer's consent withdrawn: by the unsubscribe link, by writing STOP, or by an erasure.

The facts of each channel (which field holds the consent and the address) come from
messaging.channels; the suppression list of addresses is messaging's.
"""

from django.utils import timezone

from otklik.customers.models import Customer
from otklik.messaging.channels import CHANNELS
from otklik.messaging.consent import ALL_CHANNELS, address_unsubscribe, unsubscribe_token_payload


def consent_revoke(*, customer: Customer, channel: str) -> list[str]:
    """Withdraw consent for one channel or ALL_CHANNELS; returns the channels that changed.

    One conditional UPDATE, so it takes effect for every sender at once and a
    second click changes nothing.
    """
    names = list(CHANNELS) if channel == ALL_CHANNELS else [channel]
    changed = []
    for name in names:
        facts = CHANNELS[name]
        # The address too: a complaint's reply goes to the address even where the record gives no consent.
        address_unsubscribe(
            organization_id=customer.organization_id,
            channel=name,
            address=str(getattr(customer, facts.address_field) or ""),
        )
        field = facts.consent_field
        if Customer.objects.filter(pk=customer.pk, **{field: True}).update(
            **{field: False, "updated_at": timezone.now()}
        ):
            changed.append(name)
        setattr(customer, field, False)
    return changed


def unsubscribe_token_read(token: str) -> tuple[Customer, str] | None:
    """The customer and channel a token names; None for a forged, damaged or stale token."""
    found = unsubscribe_token_payload(token)
    if found is None:
        return None
    customer_id, channel = found
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    return None if customer is None else (customer, channel)
