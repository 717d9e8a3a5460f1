"""A local stand-in for api.telegram.org: a real HTTP server in a thread that records sendMessage calls.

Tests point OTKLIK_TELEGRAM_API_URL at it, so the channel's real HTTP code runs.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "123456:TEST-token"


@dataclass
class FakeTelegram:
    url: str
    requests: list[dict] = field(default_factory=list)  # {"path", "headers", "json"} per call
    replies: list[tuple[int, dict]] = field(default_factory=list)  # next replies, then 200 ok
    delay_seconds: float = 0.0

    def reply_with(self, status: int, description: str = "") -> None:
        """Answer the next call with this status and a Bot API error body."""
        self.replies.append((status, {"ok": False, "error_code": status, "description": description}))

    @property
    def sent(self) -> list[dict]:
        return [request["json"] for request in self.requests]


def _handler(fake: FakeTelegram):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"null")
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload})
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            status, body = (
                fake.replies.pop(0)
                if fake.replies
                else (200, {"ok": True, "result": {"message_id": len(fake.requests)}})
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def telegram(settings):
    """A running fake Bot API, with the settings pointing at it and a bot token configured."""
    fake = FakeTelegram(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.OTKLIK_TELEGRAM_API_URL = fake.url
    settings.OTKLIK_TELEGRAM_BOT_TOKEN = TOKEN
    yield fake
    server.shutdown()
    server.server_close()
