"""Messages customers send back by a channel: a stop word withdraws consent, a link message connects a chat.

The SMS number and the Telegram bot belong to this installation and send for
every organization on it, so a STOP to them withdraws consent for every
customer record with that address, whichever organization holds it. What a
channel's webhook carries is the channel's business (messaging.channels:
`inbound_read`); what a message means for the customer is decided here.
"""

import base64
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from otklik.customers.consent import consent_revoke
from otklik.customers.models import Customer
from otklik.customers.services import normalize_phone
from otklik.messaging.channels import LINKED_REPLY, Channel
from otklik.messaging.consent import customer_language, unsubscribed_reply

# Compared after case folding and stripping punctuation; "СТОП" is the same word in Russian and Ukrainian.
STOP_WORDS = {
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "optout",
    "стоп",
    "отписка",
    "отписаться",
    "отпишите",
    "відписка",
    "відписатися",
    "/stop",
}
# The salt of links made before the channel facts moved here: changing it would break every link already sent.
LINK_SALT = "otklik.messaging.telegram-link"
# An address as the customer record stores it; phones are kept as digits with the country code.
ADDRESS_NORMALIZERS = {"phone": normalize_phone}


def is_stop_word(text: str) -> bool:
    """True when the whole message is a stop word ("STOP", "Стоп!", "/stop"), not a sentence that mentions one."""
    text = (text or "").strip().casefold()
    if text.startswith("/"):
        text = text.split("@", 1)[0]  # "/stop@OtklikBot", as Telegram writes commands in group chats
    return re.sub(r"[^\w/]", "", text.replace("-", "")) in STOP_WORDS


@dataclass(frozen=True)
class InboundResult:
    customers: int  # how many customer records it changed
    reply: str  # what to answer the sender; empty for nothing


NOTHING = InboundResult(customers=0, reply="")


def inbound_receive(*, channel: Channel, address: str, text: str) -> InboundResult:
    """A message from `address` by `channel`: link the address to a customer, or withdraw consent on a stop word.

    Starting a chat from the organization's own link is the customer asking for
    messages there, so linking also records consent.
    """
    token = channel.link_token(text)
    if token is not None:
        customer = link_token_customer(token) if token else None
        return _link(channel=channel, customer=customer, address=address) if customer else NOTHING
    address = ADDRESS_NORMALIZERS.get(channel.address_field, str.strip)(address)
    if not address or not is_stop_word(text):
        return NOTHING
    customers = list(Customer.objects.select_related("organization").filter(**{channel.address_field: address}))
    changed = [customer for customer in customers if consent_revoke(customer=customer, channel=channel.name)]
    reply = unsubscribed_reply(customer=customers[0], channel=channel.name) if customers else ""
    return InboundResult(customers=len(changed), reply=reply)


def _link(*, channel: Channel, customer: Customer, address: str) -> InboundResult:
    Customer.objects.filter(pk=customer.pk).update(
        **{
            channel.address_field: address,
            channel.consent_field: True,
            channel.undeliverable_field: None,
            "updated_at": timezone.now(),
        }
    )
    return InboundResult(customers=1, reply=LINKED_REPLY[customer_language(customer)])


def link_token(customer: Customer, *, secret: str | None = None) -> str:
    """A deep-link start parameter (t.me/<bot>?start=<token>) that links a chat to this customer.

    Telegram allows 64 characters of [A-Za-z0-9_-], so this is a base-36 id and a truncated HMAC, not a signing token.
    Made with the current secret key unless `secret` names another (a fallback key, when checking).
    """
    ident = base36(customer.pk)
    digest = salted_hmac(LINK_SALT, ident, secret=secret, algorithm="sha256").digest()[:18]
    return f"{ident}-{base64.urlsafe_b64encode(digest).decode('ascii')}"


def link_token_customer(token: str) -> Customer | None:
    """The customer a link token names; None for a forged or damaged one."""
    ident, _sep, _signature = token.partition("-")
    try:
        customer_id = int(ident, 36)
    except ValueError:
        return None
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    if customer is None:
        return None
    # Links sent before a key rotation stay valid while the old key is kept in SECRET_KEY_FALLBACKS.
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if hmac.compare_digest(link_token(customer, secret=secret), token):
            return customer
    return None


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text
