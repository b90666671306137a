"""The client's address, the one place it is worked out (issue 10.3, decision 0015).

Behind the province's reverse proxies every request comes from a proxy's address;
the visitor's is in X-Forwarded-For, which anybody can also send. So the header is read
only when the direct peer is a configured trusted proxy (`YIWANG_TRUSTED_PROXIES`, IPs
or CIDRs), and from the right: each trusted hop appended the address it saw, and the
first address from the right that is not a trusted proxy is the client. Whatever a
client wrote into the header itself sits to the left of that and is never read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase

UNKNOWN = "unknown"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """`10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32` → networks; anything else is refused
    at start-up, not silently trusted or ignored."""
    networks = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"YIWANG_TRUSTED_PROXIES: {text!r} is not an IP address or network"
            ) from exc
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:5050"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # one client, one key, whichever way the socket saw it
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(request: HttpRequest) -> str:
    """The visitor's IP address as text, or "unknown"; see the module docstring."""
    peer = _address(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return UNKNOWN
    trusted = _trusted(tuple(getattr(settings, "YIWANG_TRUSTED_PROXIES", ())))
    if not trusted or not _is_trusted(peer, trusted):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for part in forwarded.split(",") if (hop := part.strip())]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A trusted proxy writes addresses only: garbage here came from the client
            # side of the nearest trusted hop, which is therefore the best we know.
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


#: HTML pages: scripts, styles, images, fonts and requests from this origin only, no
#: inline script, no plug-ins, no framing, forms post back here (decision 0015). The
#: templates keep it possible: no inline <script> bodies, on* attributes or javascript:
#: links (tests/common/test_security_headers.py scans every one).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: Anything else (JSON, files, static assets): nothing may run or load from it.
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
#: Powerful browser features no page of the platform uses.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    ]
)


class SecurityHeaders:
    """Content-Security-Policy and Permissions-Policy on every answer (Django 5.2 has no
    CSP of its own; HSTS, nosniff, Referrer-Policy and COOP come from SecurityMiddleware).
    A view that sets its own policy keeps it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        response.headers.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY if html else NON_HTML_POLICY
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
