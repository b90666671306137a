"""Helpers of the approval pages' tests: the demo items they use, a valid form for each,
a real (small, well-formed) PDF, and set-up through the same services the pages call."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

#: 临时占用城市道路审批 — 南关区住建局, promised 5 / legal 20, taken in at the 南关区 hall.
NANGUAN = "220102-ZJ-XK-001"
#: 植物检疫证书核发 — 汪清县林业局, taken in at township stations, result by post.
FORESTRY = "222424-LY-XK-001"
#: 往来港澳通行证再次签注 — instant, decided by rules at the kiosk.
ENDORSE = "220000-GA-XK-001"
TIANQIAOLING = "222424102"
ZHANG_SAN_ID = "220102198806151015"

FORMS: dict[str, dict[str, Any]] = {
    NANGUAN: {
        "purpose": "房屋装修",
        "location": "南关区人民大街 1 号",
        "area_m2": "12",
        "date_from": "2026-12-01",
        "date_to": "2026-12-05",
    },
    FORESTRY: {
        "product_name": "红松苗木",
        "quantity": "2000 株",
        "origin_place": "汪清县天桥岭镇",
        "destination": "延吉市",
        "transport_mode": "公路",
        "ship_date": "2026-12-10",
    },
    ENDORSE: {"destination": "香港", "endorsement_type": "个人旅游（G）", "validity": "一次有效"},
}


#: The delivery each test application picks unless told otherwise.
DELIVERY = {NANGUAN: "online", FORESTRY: "post", ENDORSE: "self_print"}


def small_pdf(text: str = "Yiwang test material") -> bytes:
    """A well-formed one-page PDF (header, objects, cross-reference table, trailer)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_file(name: str = "材料.pdf", text: str = "Yiwang test material") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, small_pdf(text), content_type="application/pdf")


def required_materials(item_code: str) -> list[Any]:
    from yiwang.catalog.selectors import get_item

    return [m for m in get_item(item_code).materials.all() if m.required]


def apply_post_data(
    item_code: str, *, key: str = "key-1", delivery: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The apply page's POST body: the form, a PDF per required material, delivery."""
    data: dict[str, Any] = {"idempotency_key": key}
    data.update({f"f_{k}": v for k, v in FORMS[item_code].items()})
    for m in required_materials(item_code):
        data[f"m_{m.code}"] = pdf_file(f"{m.name}.pdf", m.code)
    data["delivery"] = delivery or DELIVERY[item_code]
    data.update(extra)
    return data


def submit_through_services(user: Any, item_code: str, **extra: Any) -> Any:
    """A case submitted as the apply page would, through the uploads and cases services."""
    from yiwang.cases.services import MaterialRef, submit_case
    from yiwang.uploads.services import store_upload

    refs = [
        MaterialRef(m.code, str(store_upload(pdf_file(f"{m.name}.pdf"), owner=user).id))
        for m in required_materials(item_code)
    ]
    return submit_case(
        actor=user,
        item_code=item_code,
        form=dict(FORMS[item_code]),
        materials=refs,
        **extra,
    )
