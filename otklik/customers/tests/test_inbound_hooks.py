"""Stop words by SMS (Twilio's inbound webhook) and in Telegram (Bot API webhook), and linking a Telegram chat."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client
from django.urls import reverse

from otklik.customers.inbound import is_stop_word, link_token
from otklik.messaging.tests.customers import make_customer

SECRET = "hook-secret-1"
TWILIO_TOKEN = "test-auth-token"


@pytest.fixture
def hooks(settings):
    settings.OTKLIK_SMS_WEBHOOK_SECRET = SECRET
    settings.OTKLIK_TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.OTKLIK_SMS_API_KEY = TWILIO_TOKEN
    settings.SITE_URL = "https://otklik.example.com"
    return Client(enforce_csrf_checks=True)


def twilio_post(client, fields: dict, *, secret=SECRET, token=TWILIO_TOKEN):
    path = reverse("customers:channel_hook", args=["sms", secret])
    payload = "https://otklik.example.com" + path + "".join(f"{k}{fields[k]}" for k in sorted(fields))
    signature = base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()
    return client.post(path, fields, HTTP_X_TWILIO_SIGNATURE=signature)


def inbound_sms(phone: str, body: str) -> dict:
    return {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+15005550006",
        "Body": body,
    }


def telegram_post(client, update: dict, *, secret=SECRET, header=SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": header} if header is not None else {}
    return client.post(
        reverse("customers:channel_hook", args=["telegram", secret]),
        json.dumps(update),
        content_type="application/json",
        **headers,
    )


def update(chat_id: int, text: str) -> dict:
    return {
        "update_id": 10000,
        "message": {
            "message_id": 1365,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Anna", "language_code": "ru"},
            "chat": {"id": chat_id, "first_name": "Anna", "type": "private"},
            "date": 1441645532,
            "text": text,
        },
    }


@pytest.mark.parametrize(
    "word",
    ["STOP", "stop", "СТОП", "Стоп!", "ОТПИСКА", "ВІДПИСАТИСЯ", "unsubscribe", "/stop", "/stop@OtklikBot", "Opt-out"],
)
def test_stop_words_are_recognized(word):
    assert is_stop_word(word)


@pytest.mark.parametrize("text", ["Please don't stop the discounts", "Stopped by the store", "", "Спасибо"])
def test_a_sentence_is_not_a_stop_word(text):
    assert not is_stop_word(text)


@pytest.mark.parametrize("word", ["STOP", "СТОП", "Отписка"])
def test_an_sms_stop_word_revokes_sms_consent_for_that_number(hooks, world, word):
    customer = make_customer(organization=world.org, phone="79161234567", language="ru")
    answer = twilio_post(hooks, inbound_sms("+7 916 123-45-67", word))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/xml")
    assert "<Message>Вы отписаны от сообщений Acme Coffee в SMS.</Message>" in answer.content.decode()
    customer.refresh_from_db()
    assert (customer.consent_sms, customer.consent_email, customer.consent_telegram) == (False, True, True)


def test_an_sms_that_is_not_a_stop_word_changes_nothing(hooks, world):
    customer = make_customer(organization=world.org)
    answer = twilio_post(hooks, inbound_sms("+79161234567", "When do you open?"))
    assert answer.content.decode() == '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    customer.refresh_from_db()
    assert customer.consent_sms


def test_an_sms_with_a_bad_signature_is_403_and_changes_nothing(hooks, world):
    customer = make_customer(organization=world.org)
    assert twilio_post(hooks, inbound_sms("+79161234567", "STOP"), token="forged").status_code == 403
    customer.refresh_from_db()
    assert customer.consent_sms


@pytest.mark.parametrize("post", [twilio_post, telegram_post])
def test_a_wrong_secret_in_the_url_is_404(hooks, world, post):
    customer = make_customer(organization=world.org)
    payload = inbound_sms("+79161234567", "STOP") if post is twilio_post else update(123456789, "STOP")
    assert post(hooks, payload, secret="wrong").status_code == 404
    customer.refresh_from_db()
    assert customer.consent_sms and customer.consent_telegram


def test_hooks_are_off_until_a_secret_is_set(hooks, settings, world):
    settings.OTKLIK_TELEGRAM_WEBHOOK_SECRET = ""
    settings.OTKLIK_SMS_WEBHOOK_SECRET = ""
    assert telegram_post(hooks, update(1, "STOP"), secret="x", header=None).status_code == 404
    assert twilio_post(hooks, inbound_sms("+79161234567", "STOP"), secret="x").status_code == 404


@pytest.mark.parametrize("channel", ["email", "whatsapp"])
def test_a_channel_without_an_inbound_hook_is_404(hooks, channel):
    # Any secret set elsewhere must not open a hook for a channel that has none (or does not exist).
    assert hooks.post(reverse("customers:channel_hook", args=[channel, SECRET]), {"Body": "STOP"}).status_code == 404


def test_a_telegram_stop_word_revokes_telegram_consent_and_replies(hooks, world):
    customer = make_customer(organization=world.org, telegram_chat_id="123456789")
    answer = telegram_post(hooks, update(123456789, "СТОП"))
    assert answer.status_code == 200
    assert answer.json() == {
        "method": "sendMessage",
        "chat_id": 123456789,
        "text": "You are unsubscribed from Telegram messages of Acme Coffee.",
    }
    customer.refresh_from_db()
    assert (customer.consent_telegram, customer.consent_email) == (False, True)


def test_a_wrong_telegram_secret_header_is_403(hooks, world):
    customer = make_customer(organization=world.org)
    assert telegram_post(hooks, update(123456789, "STOP"), header="forged").status_code == 403
    customer.refresh_from_db()
    assert customer.consent_telegram


def test_a_telegram_body_that_is_not_json_is_400(hooks):
    answer = hooks.post(
        reverse("customers:channel_hook", args=["telegram", SECRET]),
        "{",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )
    assert answer.status_code == 400


def test_other_telegram_updates_are_acknowledged_and_ignored(hooks, world):
    make_customer(organization=world.org)
    assert telegram_post(hooks, {"update_id": 1, "edited_message": {}}).json() == {}
    assert telegram_post(hooks, update(123456789, "Thanks!")).json() == {}


def test_start_with_a_link_token_links_the_chat_and_records_consent(hooks, world):
    customer = make_customer(organization=world.org, telegram_chat_id="", consent_telegram=False, language="uk")
    token = link_token(customer)
    assert len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    answer = telegram_post(hooks, update(555, f"/start {token}"))
    assert answer.json()["text"].startswith("Готово")
    customer.refresh_from_db()
    assert (customer.telegram_chat_id, customer.consent_telegram) == ("555", True)


def test_start_with_a_forged_token_links_nothing(hooks, world):
    customer = make_customer(organization=world.org, telegram_chat_id="", consent_telegram=False)
    token = link_token(customer)
    other = make_customer(organization=world.other_org, telegram_chat_id="", consent_telegram=False)
    forged = token.split("-", 1)[0][:-1] + str(other.pk) + "-" + token.split("-", 1)[1]
    assert telegram_post(hooks, update(555, f"/start {forged}")).json() == {}
    assert telegram_post(hooks, update(555, "/start")).json() == {}
    other.refresh_from_db()
    assert other.telegram_chat_id == "" and not other.consent_telegram
