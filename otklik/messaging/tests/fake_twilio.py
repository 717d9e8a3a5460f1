"""A local stand-in for api.twilio.com: a real HTTP server in a thread that records Messages.json calls.

Tests point OTKLIK_SMS_API_URL at it, so the SMS channel's real HTTP code runs.
"""

import base64
import urllib.parse
from dataclasses import dataclass, field

import pytest

from otklik.messaging.tests.fake_http import JsonHandler, serving

ACCOUNT = "AC00000000000000000000000000000001"
AUTH_TOKEN = "test-auth-token"
SENDER = "+15005550006"


@dataclass
class FakeTwilio:
    url: str
    requests: list[dict] = field(default_factory=list)  # {"path", "headers", "form"} per call
    replies: list[tuple[int, dict]] = field(default_factory=list)  # next replies, then 201 queued

    def reply_with(self, status: int, code: int, message: str) -> None:
        """Answer the next call with a Twilio REST error body."""
        self.replies.append(
            (
                status,
                {
                    "code": code,
                    "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status,
                },
            )
        )

    @property
    def sent(self) -> list[dict]:
        return [request["form"] for request in self.requests]


def _handler(fake: FakeTwilio) -> type[JsonHandler]:
    class Handler(JsonHandler):
        def answer(self, body: bytes) -> tuple[int, dict]:
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8")))
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})
            expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{AUTH_TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return 401, {"code": 20003, "message": "Authenticate", "status": 401}
            if fake.replies:
                return fake.replies.pop(0)
            return 201, {
                "sid": f"SM{len(fake.requests):032d}",
                "account_sid": ACCOUNT,
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "error_code": None,
                "error_message": None,
            }

    return Handler


@pytest.fixture
def twilio(settings):
    """A running fake Twilio Messages API, with the SMS settings pointing at it."""
    fake = FakeTwilio(url="")
    with serving(_handler(fake)) as fake.url:
        settings.OTKLIK_SMS_API_URL = fake.url
        settings.OTKLIK_SMS_ACCOUNT_SID = ACCOUNT
        settings.OTKLIK_SMS_API_KEY = AUTH_TOKEN
        settings.OTKLIK_SMS_FROM = SENDER
        yield fake
