"""The demo catalog items the cases tests use (loaded by the catalog's own loader), and
a valid application form for each."""

from __future__ import annotations

from typing import Any

from yiwang.accounts.actor import Actor

#: 临时占用城市道路审批 — 南关区住建局 in the 南关区 hall, promised 5 / legal 20.
NANGUAN = "220102-ZJ-XK-001"
#: 植物检疫证书核发 — 汪清县林业局, taken in at township stations, result by post.
FORESTRY = "222424-LY-XK-001"
#: 往来港澳通行证再次签注 — instant, self-service kiosk, automatic rules.
ENDORSE = "220000-GA-XK-001"
#: 居住证明 — instant online proof, automatic rule: resident of 长春市.
RESIDENCE = "220100-GA-GG-001"
#: 《就业创业证》申领 — instant, no automatic rules: staff decide the same day.
EMPLOYMENT_CARD = "220102-RS-GG-001"

FORMS: dict[str, dict[str, Any]] = {
    NANGUAN: {
        "purpose": "房屋装修",
        "location": "南关区人民大街 1 号",
        "area_m2": 12,
        "date_from": "2026-10-12",
        "date_to": "2026-10-20",
    },
    FORESTRY: {
        "product_name": "红松苗木",
        "quantity": "2000 株",
        "origin_place": "汪清县天桥岭镇",
        "destination": "延吉市",
        "transport_mode": "公路",
        "ship_date": "2026-10-15",
    },
    ENDORSE: {"destination": "香港", "endorsement_type": "个人旅游（G）", "validity": "一次有效"},
    RESIDENCE: {"purpose": "子女入学"},
    EMPLOYMENT_CARD: {"employment_status": "灵活就业"},
}


def form_for(code: str) -> dict[str, Any]:
    return dict(FORMS.get(code, {}))


def load() -> None:
    from yiwang.catalog.services import load_catalog_data

    load_catalog_data(actor=Actor.system("test"))
