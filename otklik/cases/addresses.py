"""Where a written message to a complaint's customer goes: the one place that picks the customer's channel.

Every customer message of complaints, rules and improvements (thank-you, report, "cannot be
fixed", prize, rule templates, "thanks to you we changed X", the recovery question) asks here.
"""

from dataclasses import dataclass

from otklik.cases.models import Case
from otklik.customers.models import Customer
from otklik.customers.routing import customer_route


@dataclass(frozen=True)
class CustomerAddress:
    channel: str  # a messaging.channels name: "email", "telegram", …
    recipient: str
    # The customer whose consent chose this route; None for the e-mail left with the complaint itself.
    customer: Customer | None = None


def customer_address(*, email: str, customer: Customer | None = None) -> CustomerAddress | None:
    """The channel and recipient for a customer, or None when there is no way to reach them.

    A known customer is reached by their preferred permitted channel (customers.routing: Telegram,
    e-mail or SMS, with consent and a working address). Otherwise the reply goes to the e-mail the
    customer left with this complaint: they gave it to hear back about it.
    """
    if customer is not None:
        route = customer_route(customer)
        if route is not None:
            return CustomerAddress(channel=route.channel, recipient=route.recipient, customer=customer)
    if email:
        return CustomerAddress(channel="email", recipient=email)
    return None


def case_customer_address(*, case: Case) -> CustomerAddress | None:
    """Where a message to this case's customer goes."""
    return customer_address(email=case.customer_email, customer=case.customer if case.customer_id else None)
