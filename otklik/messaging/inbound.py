"""Messages customers send back: stop words by SMS and in Telegram, and linking a Telegram chat.

The SMS number and the Telegram bot belong to this installation and send for
every organization on it, so a STOP to them withdraws consent for every
customer record with that number or chat, whichever organization holds it.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from otklik.customers.models import Customer
from otklik.customers.services import normalize_phone
from otklik.messaging.consent import CHANNEL_NAMES, UNSUBSCRIBED_REPLY, consent_revoke, customer_language

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
TELEGRAM_LINK_SALT = "otklik.messaging.telegram-link"


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


def _reply(customers: list[Customer], channel: str) -> str:
    if not customers:
        return ""
    customer = customers[0]
    language = customer_language(customer)
    return UNSUBSCRIBED_REPLY[language].format(
        channel=CHANNEL_NAMES[channel][language], organization=customer.organization.name
    )


def stop_by_phone(*, phone: str, text: str) -> InboundResult:
    """An inbound SMS: a stop word withdraws SMS consent from every customer with that number."""
    digits = normalize_phone(phone)
    if not digits or not is_stop_word(text):
        return InboundResult(customers=0, reply="")
    customers = list(Customer.objects.select_related("organization").filter(phone=digits))
    changed = [customer for customer in customers if consent_revoke(customer=customer, channel="sms")]
    return InboundResult(customers=len(changed), reply=_reply(customers, "sms"))


def telegram_link_token(customer: Customer, *, secret: str | None = None) -> str:
    """A deep-link start parameter (t.me/<bot>?start=<token>) that links a chat to this customer.

    Telegram allows 64 characters of [A-Za-z0-9_-], so this is a base-36 id and a truncated HMAC, not a signing token.
    Made with the current secret key unless `secret` names another (a fallback key, when checking).
    """
    ident = base36(customer.pk)
    digest = salted_hmac(TELEGRAM_LINK_SALT, ident, secret=secret, algorithm="sha256").digest()[:18]
    return f"{ident}-{base64.urlsafe_b64encode(digest).decode('ascii')}"


def telegram_link_customer(token: str) -> Customer | None:
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
        if hmac.compare_digest(telegram_link_token(customer, secret=secret), token):
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


def telegram_update_handle(update: dict) -> InboundResult:
    """A Bot API update: a stop word withdraws Telegram consent; "/start <token>" links the chat to a customer.

    Starting the bot from the organization's own link is the customer asking for
    messages there, so it also records Telegram consent.
    """
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return InboundResult(customers=0, reply="")
    chat = message.get("chat") or {}
    chat_id = str(chat.get("id", "")).strip() if isinstance(chat, dict) else ""
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    if not chat_id or not text:
        return InboundResult(customers=0, reply="")
    if text.startswith("/start"):
        command, _space, token = text.partition(" ")
        customer = telegram_link_customer(token.strip()) if command.split("@")[0] == "/start" and token else None
        if customer is None:
            return InboundResult(customers=0, reply="")
        Customer.objects.filter(pk=customer.pk).update(
            telegram_chat_id=chat_id, consent_telegram=True, telegram_invalid_at=None, updated_at=timezone.now()
        )
        return InboundResult(customers=1, reply=TELEGRAM_LINKED[customer_language(customer)])
    if not is_stop_word(text):
        return InboundResult(customers=0, reply="")
    customers = list(Customer.objects.select_related("organization").filter(telegram_chat_id=chat_id))
    changed = [customer for customer in customers if consent_revoke(customer=customer, channel="telegram")]
    return InboundResult(customers=len(changed), reply=_reply(customers, "telegram"))


TELEGRAM_LINKED = {
    "en": "Done: we will write to you here. Send STOP at any time to unsubscribe.",
    "ru": "Готово: будем писать вам сюда. Чтобы отписаться, отправьте СТОП в любой момент.",
    "uk": "Готово: писатимемо вам сюди. Щоб відписатися, надішліть СТОП будь-коли.",
}


def twilio_signature_valid(*, url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 (key: the auth token) of the URL and the sorted POST fields."""
    key = settings.OTKLIK_SMS_API_KEY
    if not key or not signature:
        return False
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    expected = base64.b64encode(hmac.new(key.encode(), payload.encode("utf-8"), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, signature)
