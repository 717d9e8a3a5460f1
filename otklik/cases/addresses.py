"""Where a written message to a complaint's customer goes: the one place that picks the customer's channel.

Every customer message of complaints, rules and improvements (thank-you, report, "cannot be
fixed", prize, rule templates, "thanks to you we changed X", the recovery question) asks here.
"""

from dataclasses import dataclass

from otklik.cases.models import Case
from otklik.customers.models import Customer


@dataclass(frozen=True)
class CustomerAddress:
    channel: str  # a messaging.channels name: "email", "telegram", …
    recipient: str


def customer_address(*, email: str, customer: Customer | None = None) -> CustomerAddress | None:
    """The channel and recipient for a customer, or None when there is no way to reach them.

    E-mail for now. The customer base knows a customer's Telegram chat and consents; the
    channel routing for a known `customer` plugs in here, and every sender follows.
    """
    if email:
        return CustomerAddress(channel="email", recipient=email)
    return None


def case_customer_address(*, case: Case) -> CustomerAddress | None:
    """Where a message to this case's customer goes."""
    return customer_address(email=case.customer_email, customer=case.customer if case.customer_id else None)
