"""The cheaper ways a message is made and sent (decision 0028) give what the ordinary ways gave."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from otklik.messaging.consent import UNSUBSCRIBE_SALT, unsubscribe_token, unsubscribe_token_payload
from otklik.messaging.models import OutboxMessage
from otklik.messaging.services import Letter, outbox_enqueue, outbox_enqueue_many
from otklik.messaging.tests.customers import make_customer
from otklik.messaging.tests.test_email_smtp import server, sink  # noqa: F401  (fixtures)
from otklik.messaging.transports import smtp_sendmail
from otklik.rows import insert_rows, update_rows


class Record:
    def __init__(self, pk: int):
        self.pk = pk


@pytest.mark.parametrize("pk", [1, 4321, 10**12])
@pytest.mark.parametrize("channel", ["email", "sms", "telegram"])
def test_the_unsubscribe_token_is_djangos_own(monkeypatch, pk, channel):
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.5)
    token = unsubscribe_token(customer=Record(pk), channel=channel)
    assert token == signing.dumps([pk, channel], salt=UNSUBSCRIBE_SALT)
    assert unsubscribe_token_payload(token) == (pk, channel)


def test_a_token_signed_with_compression_by_an_earlier_version_still_reads():
    token = signing.dumps([10**12, "email"], salt=UNSUBSCRIBE_SALT, compress=True)
    assert token.startswith(".")  # this one zlib did shorten
    assert unsubscribe_token_payload(token) == (10**12, "email")


def test_a_token_signed_with_another_key_is_refused(settings):
    token = unsubscribe_token(customer=Record(7), channel="email")
    settings.SECRET_KEY = "another-" * 8
    assert unsubscribe_token_payload(token) is None


@pytest.mark.parametrize(
    "recipient",
    ["plain@example.org", "Display Name <named@example.org>", '"quoted part"@example.org'],
)
def test_the_smtp_exchange_reaches_the_server_for_any_address(server, sink, recipient):  # noqa: F811
    from django.core.mail import get_connection

    connection = get_connection(fail_silently=False)
    connection.open()
    data = b"Subject: hi\r\nMessage-ID: <x.1@example.org>\r\n\r\nBody\r\n"
    smtp_sendmail(connection.connection, sender="Otklik <noreply@example.org>", recipient=recipient, data=data)
    connection.close()
    assert sink.message_ids == ["<x.1@example.org>"]


def test_a_refused_recipient_raises_as_smtplib_does_and_the_connection_goes_on(server, sink):  # noqa: F811
    import smtplib

    from django.core.mail import get_connection

    connection = get_connection(fail_silently=False)
    connection.open()
    data = b"Message-ID: <x.2@example.org>\r\n\r\nBody\r\n"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp_sendmail(connection.connection, sender="noreply@example.org", recipient="bounce@example.org", data=data)
    assert refused.value.recipients["bounce@example.org"][0] == 550
    smtp_sendmail(connection.connection, sender="noreply@example.org", recipient="ok@example.org", data=data)
    connection.close()
    assert sink.message_ids == ["<x.2@example.org>"]


def test_insert_rows_returns_new_ids_in_order_and_skips_taken_keys(world):
    taken = outbox_enqueue(
        organization=world.org, key="k:1", recipient="a@example.org", subject="S", body="B", kind="k", deliver=False
    )
    now = timezone.now()
    names = ["organization", "key", "recipient", "subject", "body", "kind", "channel", "headers", "status"]
    names += ["attempts", "next_attempt_at", "last_error", "created_at"]
    rows = [
        [
            world.org.pk,
            f"k:{n}",
            f"r{n}@example.org",
            "S",
            "B",
            "k",
            "email",
            {"X-N": str(n)},
            "pending",
            0,
            now,
            "",
            now,
        ]
        for n in range(3)
    ]
    ids = [row[0] for row in insert_rows(OutboxMessage, names, rows, ignore_conflicts=True, returning=["id"])]
    stored = {message.key: message for message in OutboxMessage.objects.all()}
    assert ids == [stored["k:0"].pk, stored["k:2"].pk]  # k:1 was queued before: skipped
    assert stored["k:1"].pk == taken.pk and stored["k:1"].recipient == "a@example.org"
    assert stored["k:2"].headers == {"X-N": "2"} and stored["k:2"].next_attempt_at == now


def test_update_rows_writes_each_rows_values(world):
    a, b = (
        outbox_enqueue(organization=world.org, key=k, recipient="a@example.org", subject="S", body="B", kind="k")
        for k in ("u:1", "u:2")
    )
    later = timezone.now() + timedelta(hours=1)
    update_rows(OutboxMessage, ["last_error", "next_attempt_at"], [["one", later, a.pk], ["two", later, b.pk]])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.last_error, b.last_error) == ("one", "two") and a.next_attempt_at == later


def test_enqueue_many_returns_the_ids_of_new_and_earlier_rows(world):
    customer = make_customer(organization=world.org)
    earlier = outbox_enqueue(
        organization=world.org, key="m:0", recipient="a@example.org", subject="S", body="B", kind="k", deliver=False
    )
    letters = [
        Letter(key=f"m:{n}", recipient=customer.email, subject="S", body="B", kind="k", customer=customer)
        for n in range(3)
    ]
    ids = outbox_enqueue_many(organization=world.org, letters=letters)
    assert sorted(ids) == sorted(OutboxMessage.objects.values_list("pk", flat=True)) and earlier.pk in ids
    fresh = OutboxMessage.objects.get(key="m:2")
    assert "List-Unsubscribe" in fresh.headers and fresh.customer == customer and fresh.status == "pending"
