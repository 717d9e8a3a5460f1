"""The e-mail channel writes a message's wire form itself: it must read exactly as Django's EmailMessage would."""

import email
import email.policy

import pytest
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

from otklik.messaging.transports import email_bytes, smtp_address

FROM = "Otklik <otklik@example.com>"
HEADERS = {
    "List-Unsubscribe": "<https://otklik.example.com/u/" + "A" * 140 + "/>, <mailto:u@example.com?subject=x>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Message-ID": "<outreach.invitation.7@example.com>",
}


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


@pytest.mark.parametrize(
    ("recipient", "subject", "body"),
    [
        ("anna@example.org", "How was your purchase?", "Rate it: https://example.org/i/abc/\n\n-- \nUnsubscribe"),
        ("anna@example.org", "Как вам покупка в магазине номер 17 на улице 42?", "Оцените:\nhttps://e.org/i/1/\n"),
        ("олег@пример.рф", "Як вам покупка?", "Line one\r\nLine two\rLine three\n.dot line\n"),
        ("anna@example.org", "A" * 120, "Short"),
    ],
)
def test_the_wire_form_reads_as_djangos(recipient, subject, body, settings):
    ours = parsed(email_bytes(from_email=FROM, recipient=recipient, subject=subject, body=body, headers=HEADERS))
    theirs = parsed(
        EmailMessage(subject=subject, body=body, from_email=FROM, to=[recipient], headers=HEADERS)
        .message()
        .as_bytes(linesep="\r\n")
    )
    assert [name for name in ours.keys() if name != "Date"] == [name for name in theirs.keys() if name != "Date"]
    for name in theirs.keys():
        if name != "Date":
            assert str(ours[name]).strip() == str(theirs[name]).strip(), name
    assert ours.get_content() == theirs.get_content()
    assert ours["Date"]


def test_every_line_ends_in_crlf_and_stays_short():
    data = email_bytes(from_email=FROM, recipient="anna@example.org", subject="Hi", body="a\nb\n", headers=HEADERS)
    head, _sep, _body = data.partition(b"\r\n\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert all(len(line) <= 78 for line in head.split(b"\r\n") if not line.startswith(b" <https"))


def test_a_body_with_a_very_long_line_goes_djangos_way():
    """Django sends such a body quoted-printable; the channel then builds it through Django."""
    body = "x" * 1200
    assert email_bytes(from_email=FROM, recipient="a@example.org", subject="Hi", body=body, headers={}) is None


def test_a_line_break_in_a_header_is_refused():
    with pytest.raises(ValueError):
        email_bytes(
            from_email=FROM, recipient="a@example.org", subject="Hi", body="b", headers={"X-Test": "a\r\nBcc: x"}
        )


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.org",
        "a.b+tag@mail.example.co.uk",
        "o'neil@example.org",
        "a..b@example.org",
        ".a@example.org",
        "Anna <anna@example.org>",
        "Анна <anna@example.org>",
        "олег@пример.рф",
        "anna@пример.рф",
    ],
)
def test_an_address_is_written_as_djangos_smtp_backend_writes_it(address):
    assert smtp_address(address) == sanitize_address(address, "utf-8")
