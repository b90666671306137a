"""PDF documents from Django templates (issue 11.5): WeasyPrint with the Noto CJK fonts.

`render_pdf(template_name, context)` renders the template and lays it out as PDF. The
Chinese text is set in Noto Serif CJK SC / Noto Sans CJK SC (Debian `fonts-noto-cjk`,
found through fontconfig by family name, so the SC face of each collection is the one
used), and WeasyPrint embeds only the glyphs a document uses (a subset per font), so the
file shows the same text in any viewer, rare name characters included, and its text
extracts as the right Chinese (each subset carries a ToUnicode map).

Rendering reads nothing from the network or the disk but this site's static files: the
URL fetcher answers `/static/...` from the staticfiles finders and refuses every other
URL, so no text a user entered can make the renderer fetch anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from yiwang.licenses.choices import HOLDER_CODE_TYPE, HolderKind
from yiwang.licenses.models import License

#: Where relative and /static/ URLs of a PDF template resolve (never fetched: see below).
BASE_URL = "https://pdf.yiwang.invalid/"
_CONTENT_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


@cache
def _fetcher_class() -> type:
    # WeasyPrint loads Pango (cffi) when imported: only when a PDF is made, so a machine
    # without Pango still serves every page but the PDF downloads.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """This site's static files, from the finders; any other URL is refused."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
            if not url.startswith(prefix):
                raise ValueError(f"PDF templates load only static files, not {url}")
            name = url[len(prefix) :].split("?")[0].split("#")[0]
            suffix = name[name.rfind(".") :]
            found = finders.find(name) if suffix in _CONTENT_TYPES and ".." not in name else None
            path = found[0] if isinstance(found, list) else found
            if not path:
                raise ValueError(f"no static file {name}")
            with open(path, "rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body, {"Content-Type": _CONTENT_TYPES[suffix]})

    return StaticOnlyFetcher


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves this site's static files and nothing else."""
    return _fetcher_class()()


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """The template rendered with `context`, as PDF bytes (fonts subset and embedded)."""
    from weasyprint import HTML

    html = render_to_string(template_name, dict(context))
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher())
    pdf = document.write_pdf()
    assert pdf is not None  # no target given: the bytes are returned
    return bytes(pdf)


def qr_svg(payload: str, *, size_mm: float = 40) -> str:
    """The payload as an inline SVG QR code (byte mode, UTF-8; error correction M: a
    printed code survives a fold or a smudge), `size_mm` wide on the page. The markup
    is segno's own (paths only), safe to place unescaped."""
    code = segno.make(payload, error="m", mode="byte", micro=False)
    svg = str(
        code.svg_inline(scale=1, border=4, omitsize=True)
    )  # the quiet zone ISO/IEC 18004 asks
    return svg.replace("<svg ", f'<svg width="{size_mm:g}mm" height="{size_mm:g}mm" ', 1)


# --- the e-license document (registered with licenses.documents by PortalConfig.ready) ---

LICENSE_TEMPLATE = "portal/licenses/license.pdf.html"


def license_context(lic: License, payload: str) -> dict[str, Any]:
    """What the license template shows of a license version: its holder (the ID number
    whole — only the holder and the issuer's staff may download it), issuer, seal,
    validity, the type's fields in the type's order with their Chinese labels, and the
    QR code of the signed payload."""
    labels = lic.license_type.field_labels()
    metadata = lic.metadata or {}
    ordered = [name for name in labels if name in metadata]
    ordered += [name for name in metadata if name not in labels]
    return {
        "type_name": lic.license_type.name,
        "identifier": lic.identifier,
        "version": lic.version_text,
        "license_number": lic.serial,
        "holder": {
            "name": lic.holder_name,
            "code_label": HOLDER_CODE_TYPE[HolderKind(lic.holder_kind)],
            "code": lic.holder_code,
        },
        "issuer": {"name": lic.issuer.name, "code": lic.issuer.uscc},
        "seal_name": lic.seal_name,
        "issued_on": lic.issued_on,
        "valid_from": lic.valid_from,
        "valid_until": lic.valid_until,
        "rows": [
            {"label": labels.get(name, name), "value": str(metadata[name])}
            for name in ordered
            if metadata[name] not in (None, "")
        ],
        "payload": payload,
        "qr_svg": qr_svg(payload),
    }


def render_license(lic: License, payload: str) -> bytes:
    """The license's A4 PDF (licenses.documents.PdfRenderer)."""
    return render_pdf(LICENSE_TEMPLATE, license_context(lic, payload))
