"""The road officer's verify page (issue 11.4): scan or paste an e-license QR payload and
see at once whether it is genuine, offline first.

Verification is public: anyone may check a license (a holder's customer, a hotel, an
officer of another department), so the page needs no sign-in. Logging who checked needs
the session: the page posts each check to `POST /api/v1/licenses/verify` with the
session cookie and the CSRF token, so a signed-in officer's checks are attributed to
them; an anonymous check is logged without a name (decision 0020).

The page keeps working with the network off: a service worker served from
`/verify/sw.js` (so that its scope covers /verify/) caches the page, its scripts and the
published keys (`GET /api/v1/licenses/keys`); the page verifies with the cached keys and
queues each check until the network returns.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from yiwang.common.http import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

#: The static files the page needs, in the order the page loads them; the service
#: worker caches each (and its version changes when one of them does).
PAGE_ASSETS = (
    "portal/portal.css",
    "portal/verify.css",
    "portal/vendor/htmx.min.js",
    "portal/vendor/sm-crypto-v2.umd.js",
    "portal/vendor/qr-scanner.umd.min.js",
    "portal/vendor/qr-scanner-worker.min.js",
    "portal/verify.js",
    "portal/verify-page.js",
)
KEYS_URL = "/api/v1/licenses/keys"
VERIFY_API_URL = "/api/v1/licenses/verify"
SW_TEMPLATE = "portal/licenses/verify-sw.js"

#: The house policy plus what this page alone needs: qr-scanner's decoder runs in a
#: Worker started from a blob: URL (vendor/README.md), and reads a chosen photo of a QR
#: code through a blob: image URL; both blobs are made by the page's own scripts. The
#: service worker is same-origin.
VERIFY_PAGE_POLICY = (
    CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: blob:")
    + "; worker-src 'self' blob:"
)
#: The camera for this page only (same origin); every other feature stays off.
VERIFY_PAGE_PERMISSIONS = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")
#: The service worker's own policy (a worker gets the CSP of its script's answer): it
#: fetches from this origin only and runs nothing else.
SERVICE_WORKER_POLICY = "default-src 'none'; connect-src 'self'; script-src 'self'"


@require_GET
@ensure_csrf_cookie  # the queued checks are posted later, when the page may be a cached copy
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET /verify/: the officer's verify page (public; see the module docstring)."""
    context = {
        "section": "verify",
        "keys_url": KEYS_URL,
        "verify_url": VERIFY_API_URL,
    }
    response = render(request, "portal/licenses/verify.html", context)
    response["Content-Security-Policy"] = VERIFY_PAGE_POLICY
    response["Permissions-Policy"] = VERIFY_PAGE_PERMISSIONS
    return response


@cache
def _assets_version() -> str:
    """A digest of the page's static files and of the worker's own template: a new
    deploy gives the worker new bytes, so browsers install it and refresh their cache."""
    digest = hashlib.sha256()
    for name in PAGE_ASSETS:
        found = finders.find(name)
        path = found[0] if isinstance(found, list) else found
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    digest.update((Path(__file__).parent / "templates" / SW_TEMPLATE).read_bytes())
    return digest.hexdigest()[:16]


@require_GET
def verify_service_worker(request: HttpRequest) -> HttpResponse:
    """GET /verify/sw.js: the page's service worker, scope /verify/."""
    config = {
        "version": _assets_version(),
        "page": reverse("portal:verify"),
        "assets": [static(name) for name in PAGE_ASSETS],
        "keys": KEYS_URL,
    }
    # JSON is a JavaScript literal; these are this site's own paths, nothing a user sent.
    context = {"config": mark_safe(json.dumps(config))}  # noqa: S308
    response = HttpResponse(
        loader.render_to_string(SW_TEMPLATE, context),
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers check a worker for updates on navigation; no HTTP cache may hide a new one.
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = SERVICE_WORKER_POLICY
    return response
