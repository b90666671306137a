"""The service items the cases tests use. TEMP: built with the ORM until the catalog's
demo loader lands; then `load()` calls it and the codes below are the catalog's."""

from __future__ import annotations

from typing import Any

NANGUAN = "test-220102-promised"  # 南关区 item, promised 5 / legal 20
FORESTRY = "test-222424-plant-quarantine"  # 植物检疫证书核发: township station -> county
ENDORSE = "test-220100-hk-macao-endorse"  # 往来港澳通行证再次签注: instant, auto rules
RESIDENCE = "test-220102-residence-proof"  # 居住证明: instant, no auto rules

FORMS: dict[str, dict[str, Any]] = {
    NANGUAN: {"shop_name": "南关示范小店"},
    FORESTRY: {"plant": "红松苗木", "quantity": "2000株"},
    ENDORSE: {"destination": "香港", "endorsement": "个人旅游"},
    RESIDENCE: {"purpose": "子女入学"},
}


def form_for(code: str) -> dict[str, Any]:
    return dict(FORMS.get(code, {}))


def load() -> None:
    from yiwang.catalog.models import DeliveryMethod, Material, ProcessStep, ServiceItem
    from yiwang.org.models import Department, Role

    methods = {
        code: DeliveryMethod.objects.get_or_create(
            code=code, defaults={"name": name, "needs_tracking": tracked}
        )[0]
        for code, name, tracked in [
            ("window", "窗口领取", False),
            ("post", "邮寄送达", True),
            ("e_license", "电子证照", False),
            ("self_print", "自助打印", False),
        ]
    }
    roles = {r.code: r for r in Role.objects.all()}

    def item(
        code: str,
        name: str,
        dept: str,
        *,
        promised: int,
        legal: int,
        case_type: str = "promised",
        accept_level: str = "own_hall",
        materials: list[tuple[str, str, bool]],
        delivery: list[str],
        steps: list[tuple[str, str, str, int]],
        auto_rules: list[dict[str, Any]] | None = None,
        form_fields: list[dict[str, Any]] | None = None,
    ) -> None:
        department = Department.objects.get(code=dept)
        it = ServiceItem.objects.create(
            code=code,
            name=name,
            item_type="license",
            department=department,
            region=department.region,
            legal_limit_days=legal,
            promised_limit_days=promised,
            case_type=case_type,
            visits=0,
            accept_level=accept_level,
            result_name=f"{name}结果",
            auto_rules=auto_rules or [],
            form_fields=form_fields or [],
        )
        it.delivery_methods.set([methods[m] for m in delivery])
        for i, (mcode, mname, required) in enumerate(materials):
            Material.objects.create(
                item=it, code=mcode, name=mname, required=required, sort_order=i
            )
        for order, (scode, sname, role, share) in enumerate(steps, start=1):
            ProcessStep.objects.create(
                item=it, order=order, code=scode, name=sname, role=roles[role], share_percent=share
            )

    if ServiceItem.objects.filter(code=NANGUAN).exists():
        return
    item(
        NANGUAN,
        "食品经营许可（仅销售预包装食品备案）",
        "220102-market-regulation",
        promised=5,
        legal=20,
        materials=[
            ("application", "申请书", True),
            ("id_card", "法定代表人身份证明", True),
            ("premises", "经营场所证明", False),
        ],
        delivery=["window", "post", "e_license"],
        steps=[
            ("accept", "受理", "window_clerk", 20),
            ("review", "审查", "reviewer", 50),
            ("decide", "决定", "reviewer", 30),
        ],
        form_fields=[{"name": "shop_name", "label": "店铺名称", "type": "text", "required": True}],
    )
    item(
        FORESTRY,
        "植物检疫证书核发",
        "222424-forestry",
        promised=10,
        legal=20,
        accept_level="township",
        materials=[
            ("application", "植物检疫申请表", True),
            ("origin", "产地检疫合格证明", True),
        ],
        delivery=["post", "window"],
        steps=[
            ("accept", "乡镇站点受理", "station_clerk", 20),
            ("review", "县林业局审查决定", "reviewer", 80),
        ],
    )
    item(
        ENDORSE,
        "往来港澳通行证再次签注",
        "220100-public-security",
        promised=0,
        legal=10,
        case_type="instant",
        materials=[("photo", "本人近期证件照片", True)],
        delivery=["self_print", "post"],
        steps=[("auto", "自助受理、自动审批", "window_clerk", 100)],
        auto_rules=[{"check": "hk_macao_pass_valid"}, {"check": "no_exit_restriction"}],
    )
    item(
        RESIDENCE,
        "居住证明",
        "220102-civil-affairs",
        promised=0,
        legal=20,
        case_type="instant",
        materials=[("application", "居住证明申请表", True)],
        delivery=["e_license", "window"],
        steps=[("accept", "受理并出具", "window_clerk", 100)],
    )
