"""The printable document of a license (issue 11.5): its A4 PDF, rendered by the portal.

A PDF is laid out from a template with the CJK fonts and static files, and HTML lives in
the portal (docs/architecture.md), while `GET /api/v1/licenses/{identifier}/pdf` is this
app's route and the API layer may not import the portal (the layers contract). So the
portal registers its renderer here once, from its AppConfig.ready — the catalog's result
registry turned the same way (decision 0019) — and the route and the holder's centre both
call `render_license_pdf`. Nothing here knows how a page looks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from yiwang.common.errors import NotFound
from yiwang.licenses.models import License
from yiwang.licenses.services import payload_of

#: Lays out a license version with its QR payload as PDF bytes.
PdfRenderer = Callable[[License, str], bytes]

_renderer: list[PdfRenderer] = []


def register_pdf_renderer(renderer: PdfRenderer) -> None:
    """Register the renderer (the portal's, once); a second, different one is a
    configuration error rather than a silent replacement."""
    if _renderer and _renderer[0] is not renderer:
        raise ImproperlyConfigured("a license PDF renderer is registered already")
    _renderer[:] = [renderer]


def pdf_filename(lic: License) -> str:
    """The download's file name: the identifier (ASCII: digits, letters and dots)."""
    return f"{lic.identifier}.pdf"


def render_license_pdf(lic: License) -> bytes:
    """The license's A4 PDF with the QR code of its signed payload. A license the bulk
    import has not signed yet has no printable document yet: 404 `license_not_signed`
    (a read never answers 409 in this API; the license itself still shows, "not signed")."""
    payload = payload_of(lic)
    if not payload:
        raise NotFound(_("该证照尚未签名，暂不能打印"), code="license_not_signed")
    if not _renderer:
        raise ImproperlyConfigured("no license PDF renderer: is yiwang.portal installed?")
    return _renderer[0](lic, payload)
