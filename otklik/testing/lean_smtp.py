"""A lean local SMTP server for bench/dispatch.py: one selectors loop, no asyncio, no e-mail parsing.

The bench's server stands in for a remote relay, which in production runs on
another host and costs the sending machine no CPU. aiosmtpd (otklik.testing.smtp_sink)
spends 0.45-0.83 ms of CPU per message on the bench's two shared cores (decision
0032); this server speaks the same SMTP for what a sender does (EHLO/HELO, MAIL,
RCPT, DATA ended by a lone dot with dot-stuffing undone, RSET, NOOP, QUIT, with
aiosmtpd's reply codes and its refusal of "bounce…" recipients) in a few tens of
microseconds a message. Unlike aiosmtpd it advertises PIPELINING (RFC 2920), as
production relays do; `pipelining=False` leaves it out. It records each message's Message-ID exactly as the
aiosmtpd sink does (`message_id_of`), so the bench still counts duplicates.

Not a mail server: no TLS, no AUTH, no size limit enforced, one recipient list
per transaction. Everything it does not know is answered 500 or 502 as aiosmtpd
would, so a sender that needs more fails loudly instead of passing.
"""

import email
import email.message
import email.policy
import heapq
import itertools
import selectors
import socket
import threading
import time
from collections.abc import Callable

HOSTNAME = "lean-sink.localhost"
MAX_LINE = 4096  # a command line longer than this is refused (RFC 5321 allows 512; aiosmtpd allows more)
DATA_END = b"\r\n.\r\n"
# What aiosmtpd advertises, so smtplib sends the same commands (SIZE=) as against it; and PIPELINING (RFC 2920),
# as Postfix, Exim and the providers' relays do, unless the sink is made with pipelining=False.
EHLO_REPLY = f"250-{HOSTNAME}\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n".encode()
EHLO_PIPELINING_REPLY = EHLO_REPLY.replace(b"250 HELP", b"250-PIPELINING\r\n250 HELP")


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header of a message's wire form, as the aiosmtpd sink reads it (the first one, unfolded)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line[:11].lower() == b"message-id:":
            return line[11:].strip().decode("ascii", "replace")
    return None


def record_message(sink, raw: bytes) -> None:
    """Keep a received message on `sink` (its `messages` and `message_ids`), or only its Message-ID when the sink
    does not keep messages (the benchmark receives 100 000): both sinks record alike, so duplicates count alike."""
    if sink.keep_messages:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        sink.messages.append(parsed)
        sink.message_ids.append(str(parsed["Message-ID"]))
        return
    message_id = message_id_of(raw)
    if message_id is not None:
        sink.message_ids.append(message_id)


def undo_dot_stuffing(data: bytes) -> bytes:
    """RFC 5321 4.5.2: a line of the data that starts with a dot was sent with one more."""
    if b"\n." not in data and not data.startswith(b"."):
        return data
    lines = data.split(b"\r\n")
    return b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)


class _Connection:
    """One client's SMTP session: its bytes not yet read as commands or data, and its transaction."""

    __slots__ = ("sock", "inbox", "outbox", "greeted", "sender", "recipients", "in_data", "held", "closing")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.inbox = b""
        self.outbox = b""
        self.greeted = False
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.in_data = False
        self.held = False  # a reply is waiting for --smtp-delay-ms: read nothing more until it goes out
        self.closing = False

    def reset(self) -> None:
        self.sender, self.recipients, self.in_data = None, [], False


class LeanSink:
    """An SMTP server on 127.0.0.1 that keeps the Message-IDs (and, if asked, the parsed messages) it receives.

    `serve(stop)` runs the loop in the calling thread until `stop()` is true (looked at every 0.1 s);
    `start()` runs it in a thread and `close()` stops it, for tests. `delay` seconds: each message's
    data is answered that much later, without holding up other connections (a server across a network).
    """

    def __init__(self, port: int = 0, *, keep_messages: bool = True, delay: float = 0.0, pipelining: bool = True):
        self.keep_messages = keep_messages
        self.ehlo_reply = EHLO_PIPELINING_REPLY if pipelining else EHLO_REPLY
        self.reads = 0  # recv calls that brought bytes: what a client's pipelining saves shows here
        self.delay = delay
        self.message_ids: list[str] = []
        self.messages: list[email.message.EmailMessage] = []
        self.sessions = 0  # EHLO/HELO greetings, as the aiosmtpd sink counts them
        self.first: float | None = None  # time.perf_counter() of the first and last message accepted
        self.last: float | None = None
        self._listener = socket.create_server(("127.0.0.1", port), backlog=128)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._timers: list[tuple[float, int, _Connection, bytes]] = []  # delayed replies, soonest first
        self._order = itertools.count()  # ties on the clock go by arrival, never by comparing connections
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- running ---

    def start(self) -> "LeanSink":
        """Serve in a daemon thread (tests)."""
        self._thread = threading.Thread(target=self.serve, args=(lambda: self._stopping,), daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop a server started with start() and close every socket."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve(self, stop: Callable[[], bool]) -> None:
        """The loop: accept, read, answer, until stop() is true."""
        select, timers = self._selector.select, self._timers
        rounds = 0
        try:
            while True:
                rounds += 1
                if rounds >= 64:  # stop() may take a lock (a multiprocessing.Event): not on every round
                    rounds = 0
                    if stop():
                        break
                timeout = 0.1
                if timers:
                    timeout = max(0.0, min(timeout, timers[0][0] - time.monotonic()))
                ready = select(timeout)
                if not ready:
                    rounds = 64  # idle: look at stop() now
                for key, events in ready:
                    if key.data is None:
                        self._accept()
                    elif events & selectors.EVENT_READ:
                        self._readable(key.data)
                    else:
                        self._flush(key.data)
                while timers and timers[0][0] <= time.monotonic():
                    _due, _n, conn, reply = heapq.heappop(timers)
                    conn.held = False
                    self._reply(conn, reply)
                    if conn.inbox and not conn.closing:
                        self._process(conn)
        finally:
            for key in list(self._selector.get_map().values()):
                key.fileobj.close()
            self._selector.close()

    def _accept(self) -> None:
        try:
            sock, _address = self._listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(sock)
        self._selector.register(sock, selectors.EVENT_READ, conn)
        self._reply(conn, f"220 {HOSTNAME} ESMTP lean sink\r\n".encode())

    def _readable(self, conn: _Connection) -> None:
        try:
            chunk = conn.sock.recv(262144)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(conn)
            return
        self.reads += 1
        conn.inbox += chunk
        if not conn.held:
            self._process(conn)

    def _reply(self, conn: _Connection, reply: bytes) -> None:
        if conn.outbox:
            conn.outbox += reply
            return
        try:
            sent = conn.sock.send(reply)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._drop(conn)
            return
        if sent < len(reply):  # the client is not reading: keep the rest until the socket can take it
            conn.outbox = reply[sent:]
            self._selector.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
        elif conn.closing:
            self._drop(conn)

    def _flush(self, conn: _Connection) -> None:
        pending, conn.outbox = conn.outbox, b""
        self._selector.modify(conn.sock, selectors.EVENT_READ, conn)
        self._reply(conn, pending)

    def _drop(self, conn: _Connection) -> None:
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        conn.closing = True

    # --- the protocol ---

    def _process(self, conn: _Connection) -> None:
        """Answer every complete command (or message) in the connection's inbox, in order, in one write."""
        replies: list[bytes] = []
        while conn.inbox and not conn.held and not conn.closing:
            if conn.in_data:
                # The data began at the start of a line, so its end is a lone dot on a line: "\r\n.\r\n", or
                # ".\r\n" at once for an empty message. A stuffed line ("..x") can never look like that.
                if conn.inbox.startswith(b".\r\n"):
                    data, conn.inbox = b"", conn.inbox[3:]
                else:
                    end = conn.inbox.find(DATA_END)
                    if end < 0:
                        break
                    data, conn.inbox = conn.inbox[: end + 2], conn.inbox[end + 5 :]
                reply = self._message(conn, data)
                if reply:
                    replies.append(reply)
                continue
            end = conn.inbox.find(b"\r\n")
            if end < 0:
                if len(conn.inbox) > MAX_LINE:
                    conn.inbox = b""
                    replies.append(b"500 Error: line too long\r\n")
                break
            line, conn.inbox = conn.inbox[:end], conn.inbox[end + 2 :]
            if len(line) > MAX_LINE:
                replies.append(b"500 Error: line too long\r\n")
                continue
            replies.append(self._command(conn, line.decode("utf-8", "surrogateescape")))
        if replies:  # a pipelined burst (RFC 2920) gets its replies in one segment, as servers send them
            self._reply(conn, b"".join(replies))

    def _command(self, conn: _Connection, line: str) -> bytes:
        verb, _space, arg = line.partition(" ")
        verb, arg = verb.upper(), arg.strip()
        if verb == "EHLO" or verb == "HELO":
            if not arg:
                return f"501 Syntax: {verb} hostname\r\n".encode()
            self.sessions += 1
            conn.greeted = True
            conn.reset()
            return self.ehlo_reply if verb == "EHLO" else f"250 {HOSTNAME}\r\n".encode()
        if verb == "NOOP":
            return b"250 OK\r\n"
        if verb == "RSET":
            conn.reset()
            return b"250 OK\r\n"
        if verb == "QUIT":
            conn.closing = True
            return b"221 Bye\r\n"
        if verb == "MAIL":
            if not conn.greeted:
                return b"503 Error: send HELO first\r\n"
            if conn.sender is not None:
                return b"503 Error: nested MAIL command\r\n"
            address = _path(arg, "FROM:")
            if address is None:
                return b"501 Syntax: MAIL FROM: <address>\r\n"
            conn.sender = address
            return b"250 OK\r\n"
        if verb == "RCPT":
            if not conn.greeted:
                return b"503 Error: send HELO first\r\n"
            if conn.sender is None:
                return b"503 Error: need MAIL command\r\n"
            address = _path(arg, "TO:")
            if not address:
                return b"501 Syntax: RCPT TO: <address>\r\n"
            if address.split("@", 1)[0].startswith("bounce"):  # as the aiosmtpd sink: an unknown mailbox
                return (
                    f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table\r\n"
                ).encode()
            conn.recipients.append(address)
            return b"250 OK\r\n"
        if verb == "DATA":
            if not conn.greeted:
                return b"503 Error: send HELO first\r\n"
            if arg:
                return b"501 Syntax: DATA\r\n"
            if not conn.recipients:
                return b"503 Error: need RCPT command\r\n"
            conn.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb in {"STARTTLS", "AUTH", "VRFY", "EXPN", "HELP", "BDAT"}:
            return f'502 Command "{verb}" not implemented\r\n'.encode()
        return f'500 Error: command "{verb}" not recognized\r\n'.encode()

    def _message(self, conn: _Connection, data: bytes) -> bytes:
        """Record a message; its reply, or nothing (b"") while the reply is held back (--smtp-delay-ms)."""
        record_message(self, undo_dot_stuffing(data))
        conn.reset()
        reply = b"250 Message accepted for delivery\r\n"
        if self.delay:
            conn.held = True
            due = time.monotonic() + self.delay
            heapq.heappush(self._timers, (due, next(self._order), conn, reply))
            self._stamp(due - time.monotonic() + time.perf_counter())
            return b""
        self._stamp(time.perf_counter())
        return reply

    def _stamp(self, now: float) -> None:
        if self.first is None:
            self.first = now
        self.last = now


def _path(arg: str, prefix: str) -> str | None:
    """The address of "FROM:<a@b> SIZE=12" (or "TO:<…>"); "" for the null path <>, None if it is not one."""
    if arg[: len(prefix)].upper() != prefix:
        return None
    rest = arg[len(prefix) :].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        return None if end < 0 else rest[1:end]
    return rest.split(" ", 1)[0] or None


def start_lean_sink(
    *, keep_messages: bool = True, port: int = 0, delay: float = 0.0, pipelining: bool = True
) -> LeanSink:
    """A lean sink serving in a thread on 127.0.0.1 (its .port is bound); .close() stops it."""
    return LeanSink(port, keep_messages=keep_messages, delay=delay, pipelining=pipelining).start()
