"""Consent and address validity: who may be sent what, unsubscribe links, and marking bad addresses.

Every sender asks the same question right before sending (`customer_refusal`),
so an unsubscribe or a bounce is honoured at once, even for messages already
queued. Unsubscribe links carry a signed token, so they need no login and
cannot be forged for another customer.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from otklik.accounts.models import Organization
from otklik.accounts.selectors import site_url
from otklik.customers.models import Customer
from otklik.messaging.models import AddressUnsubscribe


@dataclass(frozen=True)
class ChannelFields:
    address: str
    consent: str
    invalid_at: str


CHANNEL_FIELDS = {
    "email": ChannelFields(address="email", consent="consent_email", invalid_at="email_invalid_at"),
    "sms": ChannelFields(address="phone", consent="consent_sms", invalid_at="phone_invalid_at"),
    "telegram": ChannelFields(address="telegram_chat_id", consent="consent_telegram", invalid_at="telegram_invalid_at"),
}

UNSUBSCRIBE_SALT = "otklik.messaging.unsubscribe"
ADDRESS_TOKEN_MARK = "a"  # a token naming an address (a complaint's e-mail), not a customer of the base
ALL_CHANNELS = "all"

# Customer-facing lines added to every message to a known customer, in the customer's language.
# They live here, not in the .po files, like the message templates: a customer's language need not be the UI's.
EMAIL_FOOTER = {
    "en": "You receive this because you are a customer of {organization}. Unsubscribe in one click: {url}",
    "ru": "Вы получили это письмо как клиент {organization}. Отписаться в один клик: {url}",
    "uk": "Ви отримали цього листа як клієнт {organization}. Відписатися в один клік: {url}",
}
STOP_LINE = {
    "en": "Reply STOP to unsubscribe",
    "ru": "Чтобы отписаться, ответьте СТОП",
    "uk": "Щоб відписатися, надішліть СТОП",
}
UNSUBSCRIBED_REPLY = {
    "en": "You are unsubscribed from {channel} messages of {organization}.",
    "ru": "Вы отписаны от сообщений {organization} в {channel}.",
    "uk": "Ви відписані від повідомлень {organization} у {channel}.",
}
CHANNEL_NAMES = {
    "email": {"en": "e-mail", "ru": "e-mail", "uk": "e-mail"},
    "sms": {"en": "SMS", "ru": "SMS", "uk": "SMS"},
    "telegram": {"en": "Telegram", "ru": "Telegram", "uk": "Telegram"},
}


def customer_language(customer: Customer) -> str:
    """The language to write to this customer in: theirs, else the organization's, else English."""
    language = customer.language or customer.organization.default_language
    return language if language in STOP_LINE else "en"


def customer_refusal(*, customer: Customer, channel: str) -> str:
    """Why this customer must not get a message by this channel now; empty when they may."""
    fields = CHANNEL_FIELDS.get(channel)
    if fields is None:
        return ""  # staff channels (alerts to employees) are not about a customer's consent
    if not getattr(customer, fields.consent):
        return f"the customer has not consented to {channel} messages (or unsubscribed)"
    invalid_at = getattr(customer, fields.invalid_at)
    if invalid_at is not None:
        return f"the customer's {fields.address} was marked invalid at {invalid_at:%Y-%m-%d %H:%M}"
    if not str(getattr(customer, fields.address)).strip():
        return f"the customer has no {fields.address}"
    return ""


def unsubscribe_token(*, customer: Customer, channel: str) -> str:
    """A signed, URL-safe token naming the customer and the channel the message came by."""
    return signing.dumps([customer.pk, channel], salt=UNSUBSCRIBE_SALT, compress=True)


def address_key(channel: str, address: str) -> str:
    """An address as the suppression list compares it: e-mail is case-insensitive."""
    address = address.strip()
    return address.lower() if channel == "email" else address


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
    if organization is None or channel not in CHANNEL_FIELDS:
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
    return AddressUnsubscribe.objects.filter(
        organization_id=organization_id, channel=channel, address=address_key(channel, address)
    ).exists()


def unsubscribe_token_read(token: str) -> tuple[Customer, str] | None:
    """The customer and channel a token names; None for a forged, damaged or stale token."""
    try:
        customer_id, channel = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if channel not in CHANNEL_FIELDS:
        return None
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    return None if customer is None else (customer, channel)


def unsubscribe_url(*, customer: Customer, channel: str) -> str:
    token = unsubscribe_token(customer=customer, channel=channel)
    return site_url(organization=customer.organization) + reverse("messaging:unsubscribe", args=[token])


def address_message_dress(
    *, organization: Organization, channel: str, recipient: str, language: str, body: str
) -> tuple[str, dict[str, str]]:
    """Like `customer_message_dress`, for a customer known only by the address they left with a complaint."""
    language = language if language in STOP_LINE else "en"
    if channel == "email":
        token = address_unsubscribe_token(organization_id=organization.pk, channel=channel, address=recipient)
        url = site_url(organization=organization) + reverse("messaging:unsubscribe", args=[token])
        footer = EMAIL_FOOTER[language].format(organization=organization.name, url=url)
        return f"{body.rstrip()}\n\n-- \n{footer}\n", unsubscribe_headers(url=url)
    if channel in ("sms", "telegram"):
        return f"{body.rstrip()}\n{STOP_LINE[language]}", {}
    return body, {}


def unsubscribe_headers(*, url: str, customer: Customer | None = None) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an "Unsubscribe" button that POSTs to `url`."""
    targets = [f"<{url}>"]
    if settings.OTKLIK_UNSUBSCRIBE_MAILTO:
        token = url.rstrip("/").rsplit("/", 1)[-1]
        targets.append(f"<mailto:{settings.OTKLIK_UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{token}>")
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def customer_message_dress(*, customer: Customer, channel: str, body: str) -> tuple[str, dict[str, str]]:
    """The body with its unsubscribe line, and the headers to send, for a message to a known customer."""
    language = customer_language(customer)
    if channel == "email":
        url = unsubscribe_url(customer=customer, channel=channel)
        footer = EMAIL_FOOTER[language].format(organization=customer.organization.name, url=url)
        return f"{body.rstrip()}\n\n-- \n{footer}\n", unsubscribe_headers(customer=customer, url=url)
    if channel in ("sms", "telegram"):
        return f"{body.rstrip()}\n{STOP_LINE[language]}", {}
    return body, {}


def consent_revoke(*, customer: Customer, channel: str) -> list[str]:
    """Withdraw consent for one channel or ALL_CHANNELS; returns the channels that changed.

    One conditional UPDATE, so it takes effect for every sender at once and a
    second click changes nothing.
    """
    channels = list(CHANNEL_FIELDS) if channel == ALL_CHANNELS else [channel]
    changed = []
    for name in channels:
        # The address too: a complaint's reply goes to the address even where the record gives no consent.
        address_unsubscribe(
            organization_id=customer.organization_id,
            channel=name,
            address=str(getattr(customer, CHANNEL_FIELDS[name].address) or ""),
        )
        field = CHANNEL_FIELDS[name].consent
        if Customer.objects.filter(pk=customer.pk, **{field: True}).update(
            **{field: False, "updated_at": timezone.now()}
        ):
            changed.append(name)
        setattr(customer, field, False)
    return changed


def address_mark_invalid(*, customer: Customer, channel: str, recipient: str) -> bool:
    """Mark the customer's address for `channel` undeliverable, if it is still the one that failed."""
    fields = CHANNEL_FIELDS.get(channel)
    if fields is None or not recipient:
        return False
    return bool(
        Customer.objects.filter(
            pk=customer.pk, **{fields.address: recipient, f"{fields.invalid_at}__isnull": True}
        ).update(**{fields.invalid_at: timezone.now()})
    )
