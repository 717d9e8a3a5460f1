"""Unsubscribe links, the suppression list of addresses, and the check every sender makes before sending.

Every sender asks the same question right before sending (`customer_refusal`),
so an unsubscribe or a bounce is honoured at once, even for messages already
queued. Unsubscribe links carry a signed token, so they need no login and
cannot be forged for another customer.

Messaging names no customer model: a customer record is passed in, and the
channel says which of its fields hold the address, the consent and the
undeliverable mark. Withdrawing consent and finding the customer of a token
live with the customers (customers/consent.py).
"""

import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.accounts.selectors import site_url
from otklik.messaging.channels import CHANNELS, CUSTOMER_LANGUAGES, UNSUBSCRIBED_REPLY
from otklik.messaging.models import AddressUnsubscribe

UNSUBSCRIBE_SALT = "otklik.messaging.unsubscribe"
ADDRESS_TOKEN_MARK = "a"  # a token naming an address (a complaint's e-mail), not a customer of the base
ALL_CHANNELS = "all"


def customer_language(customer: models.Model) -> str:
    """The language to write to this customer in: theirs, else the organization's, else English."""
    language = customer.language or customer.organization.default_language
    return language if language in CUSTOMER_LANGUAGES else "en"


def customer_refusal(*, customer: models.Model, channel: str) -> str:
    """Why this customer must not get a message by this channel now; empty when they may."""
    if channel not in CHANNELS:
        return ""  # staff channels (alerts to employees) are not about a customer's consent
    return CHANNELS[channel].refusal(customer)


def unsubscribed_reply(*, customer: models.Model, channel: str) -> str:
    """What to answer someone who unsubscribed by writing STOP, in their language."""
    language = customer_language(customer)
    return UNSUBSCRIBED_REPLY[language].format(
        channel=CHANNELS[channel].customer_names[language], organization=customer.organization.name
    )


def unsubscribe_token(*, customer: models.Model, channel: str) -> str:
    """A signed, URL-safe token naming the customer and the channel the message came by.

    The very token `signing.dumps([customer.pk, channel], salt=UNSUBSCRIBE_SALT)` makes, which
    `signing.loads` reads (as it reads the compressed tokens of earlier versions); signed here with the
    key derived once, not per message. Every invitation carries one: Django's way (a signer, a serializer,
    zlib, which shortens two dozen bytes only when the id is mostly zeros, and two hashes) cost 60-80 µs.
    """
    payload = signing.b64_encode(json.dumps([customer.pk, channel], separators=(",", ":")).encode("latin-1"))
    value = f"{payload.decode()}:{signing.b62_encode(int(time.time()))}"
    key = _signing_key(UNSUBSCRIBE_SALT + "signer", settings.SECRET_KEY)
    signature = signing.b64_encode(hmac.new(key, value.encode(), hashlib.sha256).digest()).decode()
    return f"{value}:{signature}"


@functools.lru_cache(maxsize=8)
def _signing_key(key_salt: str, secret: str) -> bytes:
    """The HMAC key Django's `salted_hmac` derives from a salt and the secret key."""
    return hashlib.sha256((key_salt + secret).encode()).digest()


def unsubscribe_token_payload(token: str) -> tuple[int, str] | None:
    """The customer id and channel a customer's unsubscribe token names; None for a bad or foreign token."""
    try:
        customer_id, channel = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        customer_id = int(customer_id)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (customer_id, channel) if isinstance(channel, str) and channel in CHANNELS else None


def _unsubscribe_path(token: str) -> str:
    """The unsubscribe page's path for a token; the URL pattern is resolved once per URLconf, not per message."""
    key = (get_urlconf(), settings.ROOT_URLCONF, get_script_prefix())
    if _UNSUBSCRIBE_PATH.get("key") != key:
        # Tokens are URL-safe, so the path around a stand-in is the path around any token.
        _UNSUBSCRIBE_PATH.update(key=key, parts=reverse("customers:unsubscribe", args=["TOKEN"]).rsplit("TOKEN", 1))
    before, after = _UNSUBSCRIBE_PATH["parts"]
    return before + token + after


_UNSUBSCRIBE_PATH: dict = {}


def unsubscribe_url(*, customer: models.Model, channel: str) -> str:
    token = unsubscribe_token(customer=customer, channel=channel)
    return site_url(organization=customer.organization) + _unsubscribe_path(token)


def address_key(channel: str, address: str) -> str:
    """An address as the suppression list compares it (e-mail is case-insensitive)."""
    return CHANNELS[channel].address_key(address) if channel in CHANNELS else address.strip()


def address_unsubscribe_token(*, organization_id: int, channel: str, address: str) -> str:
    """A signed token naming an address that has no customer record (the e-mail left with a complaint)."""
    payload = [ADDRESS_TOKEN_MARK, organization_id, channel, address_key(channel, address)]
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


@dataclass(frozen=True)
class AddressToken:
    organization: Organization
    channel: str
    address: str


def address_token_read(token: str) -> AddressToken | None:
    """The organization, channel and address an address token names; None for any other token."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(payload, list) and len(payload) == 4 and payload[0] == ADDRESS_TOKEN_MARK):
        return None
    _mark, organization_id, channel, address = payload
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or channel not in CHANNELS:
        return None
    return AddressToken(organization=organization, channel=channel, address=address)


def address_unsubscribe(*, organization_id: int, channel: str, address: str) -> bool:
    """Put an address on the organization's suppression list for a channel; True when it was not there yet."""
    address = address_key(channel, address)
    if not address:
        return False
    _row, created = AddressUnsubscribe.objects.get_or_create(
        organization_id=organization_id, channel=channel, address=address
    )
    return created


def address_unsubscribed(*, organization_id: int, channel: str, address: str) -> bool:
    """True when the address is on the organization's suppression list for the channel."""
    return AddressUnsubscribe.objects.filter(
        organization_id=organization_id, channel=channel, address=address_key(channel, address)
    ).exists()


def address_message_dress(
    *, organization: Organization, channel: str, recipient: str, language: str, body: str
) -> tuple[str, dict[str, str]]:
    """Like `customer_message_dress`, for a customer known only by the address they left with a complaint."""
    if channel not in CHANNELS:
        return body, {}
    url = ""
    if CHANNELS[channel].unsubscribes_by_link:
        token = address_unsubscribe_token(organization_id=organization.pk, channel=channel, address=recipient)
        url = site_url(organization=organization) + reverse("customers:unsubscribe", args=[token])
    language = language if language in CUSTOMER_LANGUAGES else "en"
    return CHANNELS[channel].dress(
        body=body, language=language, organization_name=organization.name, unsubscribe_url=url
    )


def customer_message_dress(*, customer: models.Model, channel: str, body: str) -> tuple[str, dict[str, str]]:
    """The body with its unsubscribe line, and the headers to send, for a message to a known customer."""
    if channel not in CHANNELS:
        return body, {}
    url = unsubscribe_url(customer=customer, channel=channel) if CHANNELS[channel].unsubscribes_by_link else ""
    return CHANNELS[channel].dress(
        body=body,
        language=customer_language(customer),
        organization_name=customer.organization.name,
        unsubscribe_url=url,
    )


def address_mark_invalid(*, customer: models.Model, channel: str, recipient: str) -> bool:
    """Mark the customer's address for `channel` undeliverable, if it is still the one that failed."""
    if channel not in CHANNELS or not recipient:
        return False
    fields = CHANNELS[channel]
    # The record's own class: the outbox holds the customer it was queued for and names no customer model.
    records = type(customer)._default_manager.filter(
        pk=customer.pk, **{fields.address_field: recipient, f"{fields.undeliverable_field}__isnull": True}
    )
    return bool(records.update(**{fields.undeliverable_field: timezone.now()}))
