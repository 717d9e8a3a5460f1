"""Which channel reaches a customer: the first permitted one in the configured order.

The order is the setting OTKLIK_CHANNEL_ORDER, by default Telegram, then
e-mail, then SMS: Telegram is free and read soonest, e-mail costs nothing,
and SMS costs money per message, so it comes last. A channel is permitted when
the customer has an address for it, has consented to it and the address has
not been marked invalid (a bounce, a blocked bot, an unknown number).
"""

from dataclasses import dataclass

from django.conf import settings

from otklik.customers.models import Customer
from otklik.messaging.channels import CHANNELS


@dataclass(frozen=True)
class Route:
    channel: str
    recipient: str


def customer_route(customer: Customer) -> Route | None:
    """The customer's preferred permitted channel and address; None when nothing is permitted."""
    for name in settings.OTKLIK_CHANNEL_ORDER:
        channel = CHANNELS.get(name)
        if channel is None or channel.refusal(customer):
            continue
        return Route(channel=name, recipient=channel.address_of(customer))
    return None
