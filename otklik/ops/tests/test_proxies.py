"""The client address behind a trusted proxy, and the answer rate limit that counts by it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from otklik.ops.proxies import TrustedProxyMiddleware, client_address, parse_networks
from otklik.surveys.models import Response
from otklik.surveys.tests.conftest import answer_url

NETWORKS = parse_networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx in front
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left part is the client's own claim
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # two proxies of ours
        ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # every hop ours: the farthest one
        ("127.0.0.1", "", "127.0.0.1"),  # no header
        ("127.0.0.1", "not-an-ip, 203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, junk", "127.0.0.1"),  # garbage from our proxy's side: its own peer stands
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a trusted proxy: the header is ignored
        ("::ffff:127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_right_most_address_not_ours(peer, forwarded_for, client):
    assert client_address(peer=peer, forwarded_for=forwarded_for, networks=NETWORKS) == client


def test_a_wrong_proxy_address_is_named(settings):
    with pytest.raises(ImproperlyConfigured, match="OTKLIK_TRUSTED_PROXIES: 'nginx' is neither"):
        parse_networks(["nginx"])


def _seen(settings, **meta):
    settings.OTKLIK_TRUSTED_PROXIES = ["127.0.0.1"]
    seen = {}

    def view(request):
        seen.update(addr=request.META["REMOTE_ADDR"], secure=request.is_secure())
        seen["forwarded"] = request.META.get("HTTP_X_FORWARDED_FOR")
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", **meta))
    return seen


def test_from_the_proxy_the_address_and_scheme_are_the_clients(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = _seen(settings, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https")
    assert (seen["addr"], seen["secure"]) == ("203.0.113.7", True)


def test_from_anyone_else_forwarding_headers_are_dropped(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = _seen(
        settings, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https"
    )
    assert (seen["addr"], seen["secure"], seen["forwarded"]) == ("198.51.100.9", False, None)


def test_the_answer_rate_limit_counts_each_client_behind_the_proxy(client, world, settings):
    settings.OTKLIK_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.OTKLIK_RATE_LIMIT_ANSWERS = 1
    url = answer_url(world.nps, world.checkout)

    def post(forwarded_for):
        return client.post(url, {"score": "9"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert post("203.0.113.1").status_code == 303
    assert post("203.0.113.2").status_code == 303  # another customer, same proxy: not limited
    assert post("203.0.113.1").status_code == 429
    # A customer cannot pick a fresh bucket by writing X-Forwarded-For: nginx appends the real address.
    assert post("198.51.100.77, 203.0.113.1").status_code == 429
    assert Response.objects.count() == 2


def test_check_names_a_wrong_proxy_address(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.OTKLIK_TRUSTED_PROXIES = ["127.0.0.1", "nginx.local"]
    with pytest.raises(SystemCheckError, match=r"otklik\.E002.*'nginx\.local' is neither"):
        call_command("check")
