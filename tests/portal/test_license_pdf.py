"""The e-license PDF (issue 11.5): the 超限运输 permit as the showcase. Its text extracts as
the right Chinese, every font is an embedded subset, the QR code in it decodes to the
payload, and nothing outside the static files is fetched. Seconds per page:
bench/license_pdf.py."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from tests.qr_payload import build_payload, new_key, permit_context
from yiwang.portal.pdf import BASE_URL, qr_svg, render_pdf, static_only_fetcher

TEMPLATE = "portal/licenses/license.pdf.html"


@pytest.fixture(scope="module")
def payload() -> str:
    return build_payload(
        new_key(),
        valid_from=date(2026, 3, 5),
        valid_until=date(2026, 4, 4),
        fields={
            "证照": "超限运输车辆行驶公路许可",
            "持证者": "吉林通达运输有限公司",
            "车牌": "吉A12345",
        },
    )


@pytest.fixture(scope="module")
def permit_pdf(payload: str) -> bytes:
    return render_pdf(TEMPLATE, permit_context(payload))


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_permit_is_one_a4_page_whose_text_extracts_as_chinese(permit_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(permit_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    text = re.sub(r"\s+", "", _text(permit_pdf))
    for expected in [
        "中华人民共和国",
        "超限运输车辆行驶公路许可",
        "吉交超限〔2026〕第00017号",
        "吉林通达运输有限公司",
        "91220101MA17XK3L2Q",
        "2026年3月5日至2026年4月4日",
        "吉A12345",
        "吉A6789挂",
        "G12珲乌高速、G1京哈高速",
        "风电叶片（不可解体）",
        "78.5吨",
        "吉林省交通运输厅行政许可专用章",
        "发证机关：吉林省交通运输厅",
        "扫码核验真伪",
        "1.2.156.3005.2.111000000603213830002.11220000696864412B",
    ]:
        assert expected in text, expected


def _fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) of every font the page uses, descendants of Type0 included."""
    found = []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        for leaf in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
            descriptor = leaf["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(leaf["/BaseFont"]).lstrip("/"), embedded))
    return found


def test_every_font_is_an_embedded_subset_of_noto_cjk_sc(permit_pdf: bytes) -> None:
    fonts = _fonts(permit_pdf)
    names = {name.split("+", 1)[-1] for name, _ in fonts}
    assert names == {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}  # the SC faces
    for name, embedded in fonts:
        assert embedded, name
        assert re.fullmatch(r"[A-Z]{6}\+.+", name), name  # the subset tag
    # Subsets: each face is ~20 MB whole (the .ttc holds five languages); one page with
    # two faces is ~250 KB (license.css says why not less).
    assert len(permit_pdf) < 350_000, len(permit_pdf)


def test_a_rare_name_character_is_embedded_and_extracts(payload: str) -> None:
    context = permit_context(payload)
    context["holder"] = {**context["holder"], "name": "𠮷林䶮运输有限公司"}
    assert "𠮷林䶮运输有限公司" in _text(render_pdf(TEMPLATE, context))


def test_the_printed_qr_code_decodes_to_the_payload(permit_pdf: bytes, payload: str) -> None:
    """The page rasterised at 150 dpi (pdfium, another renderer) and read by zxing-cpp (an
    independent decoder): the code on paper is the payload, UTF-8 Chinese included."""
    import pypdfium2
    import zxingcpp

    page = pypdfium2.PdfDocument(permit_pdf)[0]
    image = page.render(scale=150 / 72).to_pil()
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [payload]
    assert qr_svg(payload).startswith('<svg width="40mm" height="40mm" ')


def test_the_renderer_fetches_only_static_files() -> None:
    fetcher = static_only_fetcher()
    css = fetcher.fetch("https://pdf.yiwang.invalid/static/portal/pdf/license.css")
    assert b"Noto Serif CJK SC" in css.read()  # type: ignore[attr-defined]
    for url in [
        "http://127.0.0.1:8000/admin/",
        "file:///etc/passwd",
        "https://pdf.yiwang.invalid/static/../settings.py",
        "https://pdf.yiwang.invalid/static/portal/verify.js",  # not a type a PDF loads
    ]:
        with pytest.raises(ValueError, match="static"):
            fetcher.fetch(url)
    # An <img> a template might carry pointing elsewhere is simply left out.
    from weasyprint import HTML

    pdf = HTML(
        string='<p>证照</p><img src="http://127.0.0.1:9/x.png">',
        base_url=BASE_URL,
        url_fetcher=fetcher,
    ).write_pdf()
    assert pdf is not None
    assert pdf.startswith(b"%PDF")  # the refused image is left out, the page still renders
