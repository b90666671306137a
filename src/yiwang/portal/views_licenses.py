"""E-license pages: the road officer's verify page (issue 11.4) and the holder's 我的证照
in the centre (below).

The verify page: scan or paste an e-license QR payload and see at once whether it is
genuine, offline first.

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
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from yiwang.accounts.actor import Actor
from yiwang.common.http import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from yiwang.common.personal import mask_id_number
from yiwang.licenses import selectors as license_selectors
from yiwang.licenses.choices import HolderKind, VerifyChannel
from yiwang.licenses.documents import pdf_filename, render_license_pdf
from yiwang.licenses.models import License, Verification
from yiwang.licenses.services import payload_of
from yiwang.portal.access import applicant_required, current_actor
from yiwang.portal.pdf import qr_svg
from yiwang.portal.query import page_number

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


# --------------------------------------------------------------- the holder's licenses

#: What a holder reads for each status of a license (License.status_on) and each answer
#: of a check (the verification results).
STATUS_LABELS = {
    "valid": _("有效"),
    "not_yet_valid": _("尚未生效"),
    "expired": _("已过期"),
    "suspended": _("已暂停"),
    "revoked": _("已吊销"),
    "superseded": _("已被新版本取代"),
    "unknown": _("无法识别"),
    "tampered": _("内容被篡改"),
}
#: The latest checks shown per license (the API's verifications list has them all).
CHECKS_SHOWN = 10


@dataclass(frozen=True)
class CheckRow:
    """One check of a license, for its holder: when, who (an officer's name and unit; an
    anonymous check has none), where, and what it said."""

    checked_at: datetime
    verifier: str
    location: str
    result_label: str
    offline: bool


@dataclass(frozen=True)
class LicenseCard:
    """One license as the holder's centre shows it."""

    lic: License
    status: str
    status_label: str
    holder_code: str
    rows: list[tuple[str, str]]
    qr_svg: str
    checks: list[CheckRow]


def _holder_code(actor: Actor, lic: License) -> str:
    """A person's ID number whole for that person only; anyone else sees it masked (a USCC
    is public)."""
    if lic.holder_kind != HolderKind.PERSON:
        return lic.holder_code
    holder = license_selectors.holder_of_account(actor.pk)
    if holder is not None and (holder.kind, holder.code) == (lic.holder_kind, lic.holder_code):
        return lic.holder_code
    return mask_id_number(lic.holder_code)


def _card(actor: Actor, lic: License, today: date) -> LicenseCard:
    status = lic.status_on(today) if lic.signed_at is not None else "unsigned"
    payload = payload_of(lic)
    labels = lic.license_type.field_labels()
    metadata = lic.metadata or {}
    return LicenseCard(
        lic=lic,
        status=status,
        status_label=str(STATUS_LABELS.get(status, _("尚未签名"))),
        holder_code=_holder_code(actor, lic),
        rows=[(labels.get(k, k), str(v)) for k, v in metadata.items() if v not in (None, "")],
        qr_svg=qr_svg(payload, size_mm=32) if payload else "",
        checks=[
            _check_row(v)
            for v in license_selectors.verifications_for(actor, lic.identifier, limit=CHECKS_SHOWN)
        ],
    )


def _check_row(check: Verification) -> CheckRow:
    return CheckRow(
        checked_at=check.checked_at,
        verifier=check.verifier_label,
        location=check.location,
        result_label=str(STATUS_LABELS.get(check.result, check.result)),
        offline=check.channel == VerifyChannel.OFFLINE_SYNC,
    )


@applicant_required
@require_GET
def my_licenses(request: HttpRequest) -> HttpResponse:
    """GET /centre/licenses/: 我的证照 — the holder's licenses with their status, validity,
    QR code, the PDF to print and who checked them when (issue 11.4, 11.5)."""
    actor = current_actor(request)
    found = license_selectors.licenses_for(actor, page=page_number(request))
    today = timezone.localdate()
    context = {
        "section": "licenses",
        "result": found,
        "cards": [_card(actor, lic, today) for lic in found.rows],
        "status": "",
    }
    return render(request, "portal/centre/licenses.html", context)


@applicant_required
@require_GET
def license_pdf(request: HttpRequest, identifier: str) -> HttpResponse:
    """GET /centre/licenses/<identifier>/pdf/: the holder's A4 copy to print (the same
    document as GET /api/v1/licenses/{identifier}/pdf)."""
    lic = license_selectors.license_for(current_actor(request), identifier)
    response = HttpResponse(render_license_pdf(lic), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(lic)}"'
    response["Cache-Control"] = "private, no-store"
    return response
