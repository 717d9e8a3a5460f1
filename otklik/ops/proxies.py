"""The real client address behind a reverse proxy, trusted only from the proxies the operator named.

nginx appends the address it saw to X-Forwarded-For. Reading that list from the right, every address
that is itself a trusted proxy is one more hop of ours; the first one that is not is the client. What
stands left of it was written by the client and proves nothing, so a forged header cannot choose the
address the answer rate limit counts. A request whose peer is not a trusted proxy keeps its peer
address, and its forwarding headers are dropped so that nothing later reads them.
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: list[str] | tuple[str, ...]) -> list[Network]:
    """OTKLIK_TRUSTED_PROXIES as networks: a bare address is a network of one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"OTKLIK_TRUSTED_PROXIES: {value!r} is neither an IP address nor a network such as 10.0.0.0/8."
            ) from None
    return networks


def is_trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_address(*, peer: str, forwarded_for: str, networks: list[Network]) -> str:
    """The client's address: the right-most X-Forwarded-For entry that is not a trusted proxy."""
    if not is_trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage written by the client: the last address we could vouch for stands
        client = hop
        if not is_trusted(hop, networks):
            break
    return client


@lru_cache(maxsize=4)
def _networks(values: tuple[str, ...]) -> list[Network]:
    return parse_networks(values)


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        _networks(tuple(settings.OTKLIK_TRUSTED_PROXIES))  # a wrong address stops the start, not a request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read on each request (parsed once): a test or a reloaded setting takes effect at once.
        networks = _networks(tuple(settings.OTKLIK_TRUSTED_PROXIES))
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if networks and is_trusted(peer, networks):
            meta["REMOTE_ADDR"] = client_address(
                peer=peer, forwarded_for=meta.get("HTTP_X_FORWARDED_FOR", ""), networks=networks
            )
        else:
            # Not from our proxy: a forged scheme or address must not reach SECURE_PROXY_SSL_HEADER or a view.
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
