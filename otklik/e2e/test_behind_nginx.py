"""The deployment recipe for real: deploy/nginx/otklik.conf, TLS, in front of Otklik.

Chromium logs in and posts a logged-in form over https through nginx; plain HTTP clients from
different loopback addresses show that the answer page's rate limit counts each real client, that a
forged X-Forwarded-For picks no bucket, and that nginx serves the static files itself.
"""

import http.client
import ssl
import urllib.parse
from pathlib import Path

import pytest
from django.core.cache import cache

from otklik.sla.models import NotificationPreference
from otklik.surveys.models import Response
from otklik.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


def request(proxy, method: str, path: str, *, source: str, body: str = "", headers: dict | None = None):
    """One request to nginx over https from the loopback address `source` (127.0.0.2, 127.0.0.3, …)."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, source_address=(source, 0), context=ssl._create_unverified_context(), timeout=30
    )
    try:
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        connection.request(method, path, body=body or None, headers=all_headers)
        response = connection.getresponse()
        headers = {}
        for name, value in response.getheaders():  # a repeated header (Cache-Control) is joined, not lost
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return response.status, headers, response.read()
    finally:
        connection.close()


def test_login_and_a_logged_in_form_post_work_over_https(nginx, browser, world):
    NotificationPreference.objects.filter(user=world.manager).delete()
    context = browser.new_context(locale="en-US", ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{nginx.https_url}/login/")
        page.fill("input[name=username]", world.manager.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{nginx.https_url}/")
        session = next(c for c in context.cookies() if c["name"] == "sessionid")
        assert session["secure"]  # set over https, as the proxy told Django

        page.goto(f"{nginx.https_url}/account/notifications/")
        page.uncheck("#id_daily_digest")
        page.click("text=Save notification settings")
        page.wait_for_selector("text=Your notification settings are saved.")
    finally:
        context.close()
    assert NotificationPreference.objects.get(user=world.manager).daily_digest is False


def test_the_rate_limit_counts_each_real_client_and_ignores_forged_addresses(nginx, world, settings):
    cache.clear()
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 2
    path = f"/s/{world.nps.public_key}/{world.checkout.public_key}/"

    def answer(source: str, forged: str = "") -> int:
        headers = {"X-Forwarded-For": forged} if forged else {}
        return request(nginx, "POST", path, source=source, body="score=9", headers=headers)[0]

    assert [answer("127.0.0.2"), answer("127.0.0.2"), answer("127.0.0.2")] == [303, 303, 429]
    # Another customer behind the same proxy has a bucket of their own.
    assert answer("127.0.0.3") == 303
    # The limited client cannot escape by claiming another address, nor use up someone else's.
    assert answer("127.0.0.2", forged="203.0.113.50") == 429
    assert answer("127.0.0.2", forged="127.0.0.3") == 429
    assert answer("127.0.0.3", forged="127.0.0.2") == 303
    assert answer("127.0.0.3") == 429
    assert Response.objects.count() == 4, nginx.log()


def test_nginx_serves_the_static_files_and_redirects_plain_http(nginx, settings):
    collected = Path(settings.STATIC_ROOT) / "otklik" / "app.css"
    status, headers, body = request(nginx, "GET", "/static/otklik/app.css", source="127.0.0.2")
    assert status == 200
    assert body == collected.read_bytes()
    assert headers["Server"].startswith("nginx")
    assert "max-age=604800" in headers["Cache-Control"]  # nginx's own 7 days, not the application's answer

    parsed = urllib.parse.urlsplit(nginx.http_url)
    plain = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    plain.request("GET", "/login/", headers={"Host": "127.0.0.1"})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://127.0.0.1/login/"
