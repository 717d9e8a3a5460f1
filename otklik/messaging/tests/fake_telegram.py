"""A local stand-in for api.telegram.org: a real HTTP server in a thread that records sendMessage calls.

Tests point OTKLIK_TELEGRAM_API_URL at it, so the channel's real HTTP code runs.
"""

import json
import time
from dataclasses import dataclass, field

import pytest

from otklik.messaging.tests.fake_http import JsonHandler, serving

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


def _handler(fake: FakeTelegram) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def answer(self, body: bytes) -> tuple[int, dict]:
            fake.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"null")}
            )
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            if fake.replies:
                return fake.replies.pop(0)
            return 200, {"ok": True, "result": {"message_id": len(fake.requests)}}

    return Handler


@pytest.fixture
def telegram(settings):
    """A running fake Bot API, with the settings pointing at it and a bot token configured."""
    fake = FakeTelegram(url="")
    with serving(_handler(fake)) as fake.url:
        settings.OTKLIK_TELEGRAM_API_URL = fake.url
        settings.OTKLIK_TELEGRAM_BOT_TOKEN = TOKEN
        yield fake
