"""The bench's lean SMTP sink speaks enough real SMTP for Django's backend, smtplib and our own sender.

bench/dispatch.py counts duplicates by the Message-IDs the sink records, so the lean sink must record
exactly what the aiosmtpd sink records for the same messages.
"""

import smtplib
import socket

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from otklik.messaging.transports import smtp_sendmail
from otklik.testing.lean_smtp import LeanSink, message_id_of, start_lean_sink, undo_dot_stuffing
from otklik.testing.smtp_sink import start_sink

# A body whose lines start with dots: sent stuffed ("..", "...x"), received as written.
DOTTED_BODY = "first line\n.\n..two dots\n.leading dot\nlast line\n"


@pytest.fixture
def lean():
    sink = start_lean_sink()
    yield sink
    sink.close()


def django_messages(connection, count: int = 3) -> list[EmailMessage]:
    return [
        EmailMessage(
            subject=f"Message {n}",
            body=DOTTED_BODY if n % 2 else f"plain body {n}\n",
            from_email="Otklik <noreply@otklik.example>",
            to=[f"customer{n}@example.org"],
            headers={"Message-ID": f"<outreach.invitation.{n}@otklik.example>"},
            connection=connection,
        )
        for n in range(count)
    ]


def send_with_django(port: int, count: int = 3) -> None:
    connection = EmailBackend(host="127.0.0.1", port=port, use_tls=False, fail_silently=False)
    connection.open()
    for message in django_messages(connection, count):
        assert message.send() == 1
    connection.close()


def test_djangos_smtp_backend_delivers_over_one_connection_with_dots_undone(lean):
    send_with_django(lean.port)
    assert lean.sessions == 1  # one EHLO: every message went over the same connection
    assert lean.message_ids == [f"<outreach.invitation.{n}@otklik.example>" for n in range(3)]
    assert [m["Subject"] for m in lean.messages] == ["Message 0", "Message 1", "Message 2"]
    assert lean.messages[1].get_content().replace("\r\n", "\n") == DOTTED_BODY
    assert lean.messages[0]["To"] == "customer0@example.org"
    assert lean.first is not None and lean.last >= lean.first


def test_it_records_the_same_message_ids_as_the_aiosmtpd_sink():
    """The bench's duplicate count must not depend on --sink."""
    controller, handler = start_sink(keep_messages=False)
    lean = start_lean_sink(keep_messages=False)
    try:
        send_with_django(controller.port, 5)
        send_with_django(lean.port, 5)
    finally:
        controller.stop()
        lean.close()
    assert lean.message_ids == handler.message_ids
    assert len(lean.message_ids) == 5 and not lean.messages


def test_our_senders_conversation_and_a_refused_recipient(lean):
    with smtplib.SMTP("127.0.0.1", lean.port) as smtp:
        data = b"Message-ID: <a.1@otklik.example>\r\nSubject: hi\r\n\r\nbody\r\n"
        smtp_sendmail(smtp, sender="Otklik <noreply@otklik.example>", recipient="anna@example.org", data=data)
        assert smtp.has_extn("size") and smtp.has_extn("8bitmime") and smtp.has_extn("smtputf8")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp_sendmail(smtp, sender="noreply@otklik.example", recipient="bounce.ivan@example.org", data=data)
        [(code, reply)] = refused.value.recipients.values()
        assert code == 550 and b"5.1.1" in reply and b"User unknown" in reply
        # After the refusal (and the RSET our sender sends) the connection carries the next message.
        smtp_sendmail(smtp, sender="noreply@otklik.example", recipient="oleg@example.org", data=data)
    assert lean.message_ids == ["<a.1@otklik.example>", "<a.1@otklik.example>"]


@pytest.mark.parametrize("pipelining", [True, False])
def test_our_sender_pipelines_when_the_server_offers_it(pipelining):
    """With PIPELINING a message costs the server (and our sender) two reads instead of four."""
    sink = start_lean_sink(pipelining=pipelining)
    try:
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            smtp.ehlo()
            greeted = sink.reads
            for n in range(3):
                data = f"Message-ID: <p.{n}@otklik.example>\r\n\r\n.dot first\r\nend".encode()
                smtp_sendmail(smtp, sender="noreply@otklik.example", recipient="anna@example.org", data=data)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp_sendmail(smtp, sender="noreply@otklik.example", recipient="bounce@example.org", data=data)
            smtp_sendmail(smtp, sender="noreply@otklik.example", recipient="oleg@example.org", data=data)
            reads = sink.reads - greeted
    finally:
        sink.close()
    assert sink.message_ids == ["<p.0@otklik.example>", "<p.1@otklik.example>", "<p.2@otklik.example>"] + [
        "<p.2@otklik.example>"
    ]
    assert sink.messages[0].get_payload() == ".dot first\r\nend\r\n"  # stuffed by the sender, unstuffed here
    # Three messages, the refusal (and its RSET), the message after it.
    assert reads == (2 * 3 + 2 + 2 if pipelining else 4 * 3 + 3 + 4)


def test_each_command_gets_its_reply_code(lean):
    smtp = smtplib.SMTP("127.0.0.1", lean.port)
    assert smtp.docmd("MAIL", "FROM:<a@example.org>")[0] == 503  # no greeting yet
    assert smtp.docmd("HELO")[0] == 501
    assert smtp.helo("client.example")[0] == 250
    assert smtp.docmd("RCPT", "TO:<b@example.org>")[0] == 503  # no MAIL yet
    assert smtp.docmd("DATA")[0] == 503
    assert smtp.docmd("MAIL", "FROM:<a@example.org> SIZE=10")[0] == 250
    assert smtp.docmd("MAIL", "FROM:<a@example.org>")[0] == 503  # nested
    assert smtp.docmd("DATA")[0] == 503  # no recipient yet
    assert smtp.docmd("RCPT", "TO:<b@example.org>")[0] == 250
    assert smtp.noop()[0] == 250
    assert smtp.rset()[0] == 250
    assert smtp.docmd("DATA")[0] == 503  # RSET forgot the transaction
    assert smtp.docmd("STARTTLS")[0] == 502
    assert smtp.docmd("WHATEVER")[0] == 500
    assert smtp.docmd("MAIL", "FROM:<>")[0] == 250  # the null reverse-path (bounces) is a sender
    assert smtp.quit()[0] == 221
    assert lean.sessions == 1 and lean.message_ids == []


def test_commands_and_data_split_anyhow_across_packets():
    """TCP delivers bytes, not lines: a pipelined burst and a message cut mid-terminator both work."""
    sink = LeanSink(keep_messages=False).start()
    try:
        with socket.create_connection(("127.0.0.1", sink.port)) as client:
            reader = client.makefile("rb")
            assert reader.readline().startswith(b"220 ")
            client.sendall(b"EHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
            replies = [reader.readline() for _ in range(9)]  # 6 EHLO lines, MAIL, RCPT, DATA
            assert replies[-3:] == [b"250 OK\r\n", b"250 OK\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n"]
            for part in (b"Message-ID: <x.1@h>\r\n\r\n..a\r", b"\n.", b"\r", b"\n"):
                client.sendall(part)
            assert reader.readline() == b"250 Message accepted for delivery\r\n"
            client.sendall(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n.\r\nQUIT\r\n")
            assert [reader.readline()[:3] for _ in range(5)] == [b"250", b"250", b"354", b"250", b"221"]
            assert reader.readline() == b""  # closed after QUIT
    finally:
        sink.close()
    assert sink.message_ids == ["<x.1@h>"]  # the empty message has no Message-ID to record


def test_a_delayed_sink_still_answers_every_message():
    sink = start_lean_sink(keep_messages=False, delay=0.01)
    try:
        send_with_django(sink.port, 4)
    finally:
        sink.close()
    assert len(sink.message_ids) == 4


def test_message_id_and_dot_stuffing_helpers():
    assert message_id_of(b"Subject: a\r\nMESSAGE-ID:  <m@h> \r\n\r\nMessage-ID: <body@h>\r\n") == "<m@h>"
    assert message_id_of(b"Subject: a\r\n\r\n") is None
    assert undo_dot_stuffing(b"..a\r\nb\r\n...\r\n") == b".a\r\nb\r\n..\r\n"
    assert undo_dot_stuffing(b"plain\r\n") == b"plain\r\n"
