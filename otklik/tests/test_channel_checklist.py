"""Every channel in the list passes CONTRIBUTING.md's "Adding a channel" checklist.

A channel is one class in otklik/messaging/channels.py; the rest of Otklik reads its facts. What cannot
follow by itself (the Customer fields and their migration, the address in imports and the API, the
translations, the settings) is checked here, so a forgotten step fails a test instead of a customer.
"""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import trans_real

from otklik.api.customer_schemas import CustomerIn, CustomerOut
from otklik.customers.models import Customer
from otklik.customers.services import CUSTOMER_FIELDS
from otklik.imports.mapping import FIELD_LABELS, field_names, normalize_header
from otklik.messaging.channels import CHANNELS, CUSTOMER_LANGUAGES, Channel
from otklik.messaging.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ["label", "label_in_text", "address_label", "consent_label", "messages_label", "unsubscribed_line"]
FACTS = [
    name
    for name, value in vars(Channel).items()
    if not name.startswith("_") and not callable(value) and not isinstance(value, classmethod | staticmethod)
]
channels = pytest.mark.parametrize("channel", list(CHANNELS.values()), ids=list(CHANNELS))


def customer_field(name: str) -> models.Field:
    return Customer._meta.get_field(name)


def test_the_list_is_keyed_by_each_channels_name():
    assert CHANNELS and all(key == channel.name for key, channel in CHANNELS.items())


@channels
def test_it_is_one_class_with_its_own_send(channel):
    assert isinstance(channel, Channel)
    assert type(channel).send is not Channel.send
    assert re.fullmatch(r"[a-z][a-z0-9_]*", channel.name)
    assert len(channel.name) <= OutboxMessage._meta.get_field("channel").max_length


@channels
def test_it_states_every_fact(channel):
    missing = [name for name in FACTS if getattr(channel, name) in ("", (), {}) and name != "inbound_secret_setting"]
    assert missing == []
    assert channel.max_length is None or channel.max_length > 0


@channels
@pytest.mark.parametrize("language", ["ru", "uk"])
def test_its_labels_are_translated(channel, language):
    catalog = trans_real.translation(language)._catalog
    for name in TRANSLATED:
        label = getattr(channel, name)
        assert isinstance(label, Promise), f"{name} must be gettext_lazy"
        assert label._args[0] in catalog, f"{name} {label._args[0]!r} has no {language} translation"


@channels
def test_it_names_customers_in_every_customer_language(channel):
    assert set(channel.customer_names) >= set(CUSTOMER_LANGUAGES)


@channels
def test_its_customer_fields_exist(channel):
    assert isinstance(customer_field(channel.address_field), models.CharField)
    assert isinstance(customer_field(channel.consent_field), models.BooleanField)
    assert customer_field(channel.consent_field).default is False  # no consent is assumed
    undeliverable = customer_field(channel.undeliverable_field)
    assert isinstance(undeliverable, models.DateTimeField) and undeliverable.null


@channels
def test_its_fields_come_in_by_imports_and_the_api(channel):
    for name in (channel.address_field, channel.consent_field):
        assert name in CUSTOMER_FIELDS
        assert name in field_names("customers") and name in FIELD_LABELS
        assert name in CustomerIn.model_fields and name in CustomerOut.model_fields
    assert channel.consent_columns and all(normalize_header(column) == column for column in channel.consent_columns)


@channels
@pytest.mark.parametrize("language", CUSTOMER_LANGUAGES)
def test_a_customer_message_carries_a_way_to_unsubscribe(channel, language):
    url = "https://otklik.example.com/u/token/"
    body, headers = channel.dress(body="Hello", language=language, organization_name="Shop", unsubscribe_url=url)
    assert body.startswith("Hello")
    if channel.unsubscribes_by_link:
        assert url in body and url in headers["List-Unsubscribe"]
    else:
        assert body != "Hello" and headers == {}  # "reply STOP", which its inbound hook reads
        assert channel.inbound_secret_setting


@channels
def test_an_inbound_hook_is_complete(channel):
    if not channel.inbound_secret_setting:
        return
    assert hasattr(settings, channel.inbound_secret_setting)
    assert type(channel).inbound_read is not Channel.inbound_read
    assert type(channel).inbound_answer is not Channel.inbound_answer
    assert f"`{channel.inbound_secret_setting}`" in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_the_preferred_order_names_only_channels():
    assert set(settings.OTKLIK_CHANNEL_ORDER) <= set(CHANNELS)


def test_the_checklist_names_every_fact():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Adding a channel", 1)[1].split("\n## ", 1)[0]
    methods = [name for name, _value in inspect.getmembers(Channel, inspect.isfunction) if not name.startswith("_")]
    assert [name for name in FACTS + methods if f"`{name}" not in section] == []
