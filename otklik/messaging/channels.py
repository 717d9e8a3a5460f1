"""Channels: one class per way of reaching a person, holding every fact about that channel.

A channel states its facts (name, label, the customer's address, consent and
undeliverable fields as strings, the length limit, how a customer message is
dressed for unsubscribe, an optional inbound hook) and sends. Consent, routing,
imports, the API, the customer card and the unsubscribe page read these facts
from `CHANNELS`; adding a channel is adding one class (CONTRIBUTING.md, "Adding
a channel"). Field names are strings so that messaging names no customer model.

A channel raises TransportError (transports.py, with the plumbing channels share).
"""

import base64
import hmac
import json
import smtplib
import urllib.parse
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from otklik.messaging.transports import (
    HttpTransport,
    SmtpConnections,
    TransportError,
    email_bytes,
    smtp_address,
    smtp_sendmail,
    twilio_signature_valid,
)

# Customer-facing lines, in the customer's language. They live here, not in the .po files, like the message
# templates: a customer's language need not be the interface's.
CUSTOMER_LANGUAGES = ("en", "ru", "uk")
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
LINKED_REPLY = {
    "en": "Done: we will write to you here. Send STOP at any time to unsubscribe.",
    "ru": "Готово: будем писать вам сюда. Чтобы отписаться, отправьте СТОП в любой момент.",
    "uk": "Готово: писатимемо вам сюди. Щоб відписатися, надішліть СТОП будь-коли.",
}


@dataclass(frozen=True)
class Inbound:
    """A message a person sent to us by a channel: who (as the address field holds it) and what."""

    address: str
    text: str
    reply_to: object = None  # what the channel's answer needs to reach the sender (Telegram's chat id as sent)


class InboundRefused(Exception):
    """An inbound request that is not the provider's (bad signature, bad body): answered with `status`."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


class Channel:
    """The facts of one channel and how to send by it; a subclass fills them in and implements `send`."""

    name = ""  # stored in OutboxMessage.channel and in unsubscribe tokens: never rename
    label = ""  # the channel in the interface, translated ("E-mail")
    label_in_text = ""  # the same inside a sentence ("No consent to be asked by e-mail")
    # How messages to customers name the channel, by language (customer-facing, like the templates).
    customer_names: dict[str, str] = {}
    address_field = ""  # the Customer field with the address, e.g. "phone"
    address_label = ""  # that address on the customer card, translated ("Phone")
    consent_field = ""  # the Customer BooleanField that says the customer may be asked by this channel
    consent_label = ""  # that consent in forms and imports, translated ("may be asked by SMS")
    consent_columns: tuple[str, ...] = ()  # column headings an import recognises as the consent (lower case)
    api_consent_description = ""  # the consent field in the API's schema (English, like the rest of it)
    undeliverable_field = ""  # the Customer DateTimeField set when the address proved undeliverable
    messages_label = ""  # what the unsubscribe page offers to stop, translated ("E-mails")
    unsubscribed_line = ""  # what it says once stopped, translated, with %(org)s for the organization
    max_length: int | None = None  # the longest text the provider accepts; None when there is no limit
    # True: a customer message carries a one-click unsubscribe link; False: it says "reply STOP" instead.
    unsubscribes_by_link = False
    inbound_secret_setting = ""  # the setting with the inbound webhook's secret; empty: no inbound hook

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        """Deliver one message or raise TransportError; `headers` matter to e-mail only."""
        raise NotImplementedError

    # --- the customer's address and consent -------------------------------------------------------

    def address_key(self, address: str) -> str:
        """An address as the suppression list compares it."""
        return address.strip()

    def address_of(self, customer: models.Model) -> str:
        """The customer's address for this channel, as it is sent to."""
        return str(getattr(customer, self.address_field) or "").strip()

    def address_shown(self, address: str) -> str:
        """The address as people read it on the customer card."""
        return address

    def address_link(self, address: str) -> str:
        """A link that opens the address in the reader's own program; empty when there is none."""
        return ""

    def refusal(self, customer: models.Model) -> str:
        """Why this customer must not get a message by this channel now; empty when they may."""
        if not getattr(customer, self.consent_field):
            return f"the customer has not consented to {self.name} messages (or unsubscribed)"
        invalid_at = getattr(customer, self.undeliverable_field)
        if invalid_at is not None:
            return f"the customer's {self.address_field} was marked invalid at {invalid_at:%Y-%m-%d %H:%M}"
        if not self.address_of(customer):
            return f"the customer has no {self.address_field}"
        return ""

    def usable_address(self, customer: models.Model) -> bool:
        """True when the customer has an address here that has not proved undeliverable (consent aside)."""
        return bool(self.address_of(customer)) and getattr(customer, self.undeliverable_field) is None

    def dress(
        self, *, body: str, language: str, organization_name: str, unsubscribe_url: str
    ) -> tuple[str, dict[str, str]]:
        """A customer message's body with its way to unsubscribe, and the headers to send it with.

        Text channels end with "reply STOP": their inbound hook reads the answer.
        """
        return f"{body.rstrip()}\n{STOP_LINE[language]}", {}

    # --- the optional inbound hook (/hooks/<name>/<secret>/) ----------------------------------------

    def inbound_read(self, request: HttpRequest) -> Inbound | None:
        """The message in a provider's webhook request; None when it carries none. Raises InboundRefused."""
        raise NotImplementedError

    def inbound_answer(self, *, inbound: Inbound | None, reply: str) -> HttpResponse:
        """The webhook's answer, carrying `reply` to the sender where the provider allows it."""
        raise NotImplementedError

    def link_token(self, text: str) -> str | None:
        """The token of a message that links this address to a customer ("" for a bad one); None for others."""
        return None


class EmailChannel(Channel):
    """E-mail through Django's e-mail framework (EMAIL_BACKEND); on SMTP, the wire form written directly.

    With the SMTP backend each worker thread keeps its connection open between
    messages (transports.SmtpConnections).
    """

    name = "email"
    label = _("E-mail")
    label_in_text = _("e-mail")
    customer_names = {"en": "e-mail", "ru": "e-mail", "uk": "e-mail"}
    address_field = "email"
    address_label = _("E-mail")
    consent_field = "consent_email"
    consent_label = _("may be asked by e-mail")
    consent_columns = ("email consent", "согласие email", "согласие на email", "згода email")
    api_consent_description = "May be asked for an evaluation by e-mail."
    undeliverable_field = "email_invalid_at"
    messages_label = _("E-mails")
    unsubscribed_line = _("%(org)s will not send you any more e-mails.")
    unsubscribes_by_link = True
    idle_seconds = 30
    footer = {
        "en": "You receive this because you are a customer of {organization}. Unsubscribe in one click: {url}",
        "ru": "Вы получили это письмо как клиент {organization}. Отписаться в один клик: {url}",
        "uk": "Ви отримали цього листа як клієнт {organization}. Відписатися в один клік: {url}",
    }

    def __init__(self):
        self._connections = SmtpConnections(idle_seconds=self.idle_seconds)

    def address_key(self, address: str) -> str:
        return address.strip().lower()  # e-mail addresses are compared case-insensitively

    def address_link(self, address: str) -> str:
        return f"mailto:{address}"

    def dress(
        self, *, body: str, language: str, organization_name: str, unsubscribe_url: str
    ) -> tuple[str, dict[str, str]]:
        """A footer with the one-click link, and the RFC 2369 / RFC 8058 headers for the mail client's button."""
        footer = self.footer[language].format(organization=organization_name, url=unsubscribe_url)
        return f"{body.rstrip()}\n\n-- \n{footer}\n", self.unsubscribe_headers(url=unsubscribe_url)

    def unsubscribe_headers(self, *, url: str) -> dict[str, str]:
        """Mail clients show an "Unsubscribe" button that POSTs to `url` (RFC 8058)."""
        targets = [f"<{url}>"]
        if settings.OTKLIK_UNSUBSCRIBE_MAILTO:
            token = url.rstrip("/").rsplit("/", 1)[-1]
            targets.append(f"<mailto:{settings.OTKLIK_UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{token}>")
        return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        if "@" not in recipient or "\n" in recipient:
            raise TransportError(f"not an e-mail address: {recipient!r}", bad_address=True)
        # A stable Message-ID lets the receiving side drop a copy if a worker dies
        # after the SMTP server accepted the message but before we recorded it.
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"
        headers = {**(headers or {}), "Message-ID": f"<{message_key.replace(':', '.')}@{domain}>"}
        try:
            connection = self._connections.get()
            data = None
            if connection is not None:
                data = email_bytes(
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    headers=headers,
                )
            if data is None:  # another backend (locmem in tests, files), or a body that needs quoted-printable
                message = EmailMessage(subject=subject, body=body, to=[recipient], headers=headers)
                message.connection = connection
                self._send_message(message)
                return
            envelope = {"sender": smtp_address(settings.DEFAULT_FROM_EMAIL), "recipient": smtp_address(recipient)}
            try:
                smtp_sendmail(connection.connection, **envelope, data=data)
            except smtplib.SMTPServerDisconnected:
                # The server closed the kept connection (a restart, its idle timeout): once more on a new one.
                smtp_sendmail(self._connections.get(fresh=True).connection, **envelope, data=data)
        except smtplib.SMTPRecipientsRefused as exc:  # the connection stays usable (smtplib sent RSET)
            # 5xx for the recipient ("550 no such user") is a hard bounce; 4xx (greylisting) may pass later.
            answers = "; ".join(f"{code} {reply.decode('utf-8', 'replace')}" for code, reply in exc.recipients.values())
            hard = all(code >= 500 for code, _reply in exc.recipients.values())
            raise TransportError(f"the mail server refused {recipient}: {answers}", bad_address=hard) from exc
        except (OSError, ValueError) as exc:  # other SMTP errors are OSError subclasses
            self._connections.drop()  # after a broken exchange the next message starts on a fresh connection
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def _send_message(self, message: EmailMessage) -> None:
        """Send through Django's e-mail: on the kept SMTP connection if there is one, else the backend's own."""
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPServerDisconnected:
            if message.connection is None:
                raise
            message.connection = self._connections.get(fresh=True)
            message.send(fail_silently=False)


class HttpChannel(HttpTransport, Channel):
    """A channel that POSTs to an HTTP API (transports.HttpTransport owns the timeout and the error mapping)."""


class TelegramChannel(HttpChannel):
    """The Telegram Bot API; the recipient is a chat id.

    400 (chat not found) and 403 (the user blocked the bot) are permanent; 429 and
    5xx are temporary. The base URL is a setting so tests and self-hosted Bot API
    servers can stand in for api.telegram.org.
    """

    name = "telegram"
    label = _("Telegram")
    label_in_text = _("Telegram")
    customer_names = {"en": "Telegram", "ru": "Telegram", "uk": "Telegram"}
    address_field = "telegram_chat_id"
    address_label = _("Telegram")
    consent_field = "consent_telegram"
    consent_label = _("may be asked in Telegram")
    consent_columns = ("telegram consent", "согласие telegram", "згода telegram")
    api_consent_description = "May be asked for an evaluation in Telegram."
    undeliverable_field = "telegram_invalid_at"
    messages_label = _("Telegram messages")
    unsubscribed_line = _("%(org)s will not send you any more Telegram messages.")
    max_length = 4096  # Telegram refuses longer messages outright
    inbound_secret_setting = "OTKLIK_TELEGRAM_WEBHOOK_SECRET"

    def inbound_read(self, request: HttpRequest) -> Inbound | None:
        """A Bot API update (setWebhook with this URL and secret_token=the same secret)."""
        expected = getattr(settings, self.inbound_secret_setting)
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if header is not None and not hmac.compare_digest(header.encode(), expected.encode()):
            raise InboundRefused("", status=403)
        try:
            update = json.loads(request.body)
        except ValueError as exc:
            raise InboundRefused("The body is not JSON.", status=400) from exc
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict):
            return None
        chat = message.get("chat") or {}
        chat_id = str(chat.get("id", "")).strip() if isinstance(chat, dict) else ""
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        if not chat_id or not text:
            return None
        return Inbound(address=chat_id, text=text, reply_to=chat["id"])

    def inbound_answer(self, *, inbound: Inbound | None, reply: str) -> HttpResponse:
        if inbound is None or not reply:
            return JsonResponse({})
        # Answering the webhook with a method call sends the reply without another request (Bot API, "webhook reply").
        return JsonResponse({"method": "sendMessage", "chat_id": inbound.reply_to, "text": reply})

    def link_token(self, text: str) -> str | None:
        """The start parameter of "/start <token>", sent when a customer opens the organization's t.me link."""
        if not text.startswith("/start"):
            return None
        command, _space, token = text.partition(" ")
        return token.strip() if command.split("@")[0] == "/start" else ""

    def describe(self, status: int, body: bytes) -> str:
        try:
            return str(json.loads(body).get("description", ""))[:500] or super().describe(status, body)
        except (ValueError, AttributeError):
            return super().describe(status, body)

    def error_for(self, status: int, body: bytes, *, label: str) -> TransportError:
        error = super().error_for(status, body, label=label)
        # 403 "bot was blocked by the user" and 400 "chat not found" are about this chat; 401 is our token,
        # and other 400s ("message is too long") are about the message.
        error.bad_address = status == 403 or (status == 400 and "chat not found" in error.message.lower())
        return error

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        token = getattr(settings, "OTKLIK_TELEGRAM_BOT_TOKEN", "")
        if not token:
            raise TransportError("Telegram is not configured: set OTKLIK_TELEGRAM_BOT_TOKEN.", permanent=True)
        if not recipient.strip():
            raise TransportError("no Telegram chat id", bad_address=True)
        base_url = getattr(settings, "OTKLIK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
        text = f"{subject}\n\n{body}" if subject else body
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        self.post_json(
            f"{base_url}/bot{token}/sendMessage",
            {"chat_id": recipient.strip(), "text": text},
            label="Telegram",
        )


class SmsChannel(HttpChannel):
    """SMS through Twilio's Messages API (or any server speaking it): form-encoded POST, HTTP basic auth.

    `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with To, Body and
    From (a number or an alphanumeric sender id) or MessagingServiceSid ("MG…").
    Errors come back as JSON `{"code": 21211, "message": …, "status": 400}`; the
    code, not the HTTP status, says whether the number itself is bad.
    """

    name = "sms"
    label = _("SMS")
    label_in_text = _("SMS")
    customer_names = {"en": "SMS", "ru": "SMS", "uk": "SMS"}
    address_field = "phone"  # digits with the country code
    address_label = _("Phone")
    consent_field = "consent_sms"
    consent_label = _("may be asked by SMS")
    consent_columns = ("sms consent", "согласие sms", "согласие на sms", "згода sms")
    api_consent_description = "May be asked for an evaluation by SMS."
    undeliverable_field = "phone_invalid_at"
    messages_label = _("SMS")
    unsubscribed_line = _("%(org)s will not send you any more SMS.")
    max_length = 1600  # Twilio refuses longer bodies (error 21617)
    inbound_secret_setting = "OTKLIK_SMS_WEBHOOK_SECRET"
    # The number is invalid, not a mobile, unreachable, or has opted out (replied STOP to the sender).
    BAD_NUMBER_CODES = {21211, 21214, 21217, 21401, 21407, 21421, 21610, 21612, 21614}
    # Our side is wrong (credentials, sender, region not enabled): no retry helps, but the customer's number is fine.
    CONFIGURATION_CODES = {20003, 20404, 21212, 21408, 21606, 21659, 21660, 21617}

    def describe(self, status: int, body: bytes) -> str:
        try:
            answer = json.loads(body)
            return f"{answer.get('code', '')} {answer.get('message', '')}".strip()[:500] or super().describe(
                status, body
            )
        except (ValueError, AttributeError):
            return super().describe(status, body)

    def error_for(self, status: int, body: bytes, *, label: str) -> TransportError:
        try:
            code = int(json.loads(body).get("code"))
        except (ValueError, TypeError, AttributeError):
            code = None
        detail = self.describe(status, body)
        if code in self.BAD_NUMBER_CODES:
            return TransportError(f"{label} refused the number: {detail}", bad_address=True)
        permanent = code in self.CONFIGURATION_CODES or (code is None and self.is_permanent(status))
        return TransportError(f"{label} answered HTTP {status}: {detail}", permanent=permanent and status != 429)

    def send(
        self, *, recipient: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
    ) -> None:
        account, key = settings.OTKLIK_SMS_ACCOUNT_SID, settings.OTKLIK_SMS_API_KEY
        sender = settings.OTKLIK_SMS_FROM
        if not (account and key and sender):
            raise TransportError(
                "SMS is not configured: set OTKLIK_SMS_ACCOUNT_SID, OTKLIK_SMS_API_KEY and OTKLIK_SMS_FROM.",
                permanent=True,
            )
        digits = "".join(ch for ch in recipient if ch.isdigit())
        if not 8 <= len(digits) <= 15:  # E.164 allows at most 15 digits
            raise TransportError(f"not a phone number: {recipient!r}", bad_address=True)
        # A non-breaking space switches the whole message to UCS-2 and halves the characters per SMS.
        text = body.replace("\u00a0", " ")
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        form = {"To": f"+{digits}", "Body": text}
        form["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        credentials = base64.b64encode(f"{account}:{key}".encode()).decode("ascii")
        base_url = settings.OTKLIK_SMS_API_URL.rstrip("/")
        self.post(
            f"{base_url}/2010-04-01/Accounts/{urllib.parse.quote(account)}/Messages.json",
            urllib.parse.urlencode(form).encode("utf-8"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {credentials}",
                "Accept": "application/json",
            },
            label="SMS gateway",
        )

    def address_shown(self, address: str) -> str:
        return f"+{address}"

    def inbound_read(self, request: HttpRequest) -> Inbound | None:
        """Twilio's inbound-message webhook: form fields From and Body, signed when the API key is set."""
        if settings.OTKLIK_SMS_API_KEY:
            signed = twilio_signature_valid(
                url=settings.SITE_URL + request.get_full_path(),
                params=request.POST.dict(),
                signature=request.headers.get("X-Twilio-Signature", ""),
            )
            if not signed:
                raise InboundRefused("Bad X-Twilio-Signature.", status=403)
        return Inbound(address=request.POST.get("From", ""), text=request.POST.get("Body", ""))

    def inbound_answer(self, *, inbound: Inbound | None, reply: str) -> HttpResponse:
        """TwiML: a <Message> is sent back to the sender."""
        message = f"<Message>{escape(reply)}</Message>" if reply else ""
        return HttpResponse(
            f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>',
            content_type="text/xml; charset=utf-8",
        )


# The channels, in the order the interface lists them. OTKLIK_CHANNEL_ORDER says which reaches a customer first.
CHANNELS: dict[str, Channel] = {channel.name: channel for channel in [EmailChannel(), SmsChannel(), TelegramChannel()]}
