"""Demo data of the license library (`yiwang seed demo`, idempotent): the license types,
a signing key for each demo issuing department, and a few licenses of the demo citizen
and enterprise — one of them an over-limit transport permit a road officer can check."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.licenses.models import License
from yiwang.licenses.selectors import holder_of_account
from yiwang.licenses.services import (
    Holder,
    issue_license,
    load_license_types,
    load_proof_types,
)
from yiwang.licenses.services.keys import ensure_authority_key
from yiwang.org.models import Department

#: Issuing departments of the demo licenses (each gets its key).
ISSUERS = (
    "220000-transport",
    "220100-transport",
    "220100-market-regulation",
    "220100-public-security",
    "220102-market-regulation",
)


def _demo_licenses(today: date) -> list[tuple[str, str, str, dict[str, str], date, date | None]]:
    """(holder account, type code, issuer, metadata, valid_from, valid_until)."""
    return [
        (
            "enterprise",
            "11100000032316376T001",
            "220100-market-regulation",
            {
                "entity_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "李四",
                "registered_capital": "伍佰万元整",
                "established_on": "2019-03-18",
                "address": "吉林省长春市南关区人民大街 1 号",
                "business_scope": "软件开发；信息技术咨询服务；道路货物运输（不含危险货物）",
            },
            date(2019, 3, 18),
            None,
        ),
        (
            "enterprise",
            "111000000603213830002",
            "220000-transport",
            {
                "plate_no": "吉A12345",
                "cargo_name": "变压器",
                "gross_weight_kg": "98000",
                "dimensions": "20.5×3.2×4.3",
                "route_from": "长春市",
                "route_to": "吉林市",
            },
            today,
            today + timedelta(days=30),
        ),
        (
            "enterprise",
            "111000000603213830001",
            "220100-transport",
            {
                "plate_no": "吉A12345",
                "vehicle_type": "重型半挂牵引车",
                "business_scope": "大型物件运输",
            },
            today - timedelta(days=400),
            today - timedelta(days=400) + timedelta(days=4 * 365),
        ),
        (
            "citizen",
            "11100000081407311B004",
            "220100-public-security",
            {"license_class": "C1", "first_issued_on": "2010-07-01"},
            date(2022, 7, 1),
            date(2028, 6, 30),
        ),
        (
            "citizen",
            "11100000032316376T002",
            "220102-market-regulation",
            {
                "business_items": "预包装食品销售（含冷藏冷冻食品）",
                "premises": "长春市南关区南岭大街 8 号",
            },
            date(2021, 4, 1),
            date(2026, 3, 31),
        ),
    ]


def seed_demo_licenses(*, actor: Actor) -> int:
    """Types, keys and the demo holders' licenses; what was created (0 on a second run)."""
    created = load_license_types(actor=actor)
    created += load_proof_types(actor=actor)  # online proofs (licenses.services.proofs)
    departments = {d.code: d for d in Department.objects.filter(code__in=ISSUERS)}
    for code in ISSUERS:
        if code in departments:
            ensure_authority_key(departments[code], actor=actor)
    users = {u.username: u for u in User.objects.filter(username__in=["citizen", "enterprise"])}
    today = timezone.localdate()
    for username, type_code, issuer, metadata, start, until in _demo_licenses(today):
        user = users.get(username)
        ref = holder_of_account(user.pk) if user is not None else None
        if ref is None or issuer not in departments:
            continue
        if License.objects.filter(holder_code=ref.code, license_type__code=type_code).exists():
            continue
        issue_license(
            type_code=type_code,
            issuer=departments[issuer],
            holder=Holder(ref.kind, ref.code, ref.name),
            metadata=metadata,
            actor=actor,
            valid_from=start,
            valid_until=until,
            issued_on=min(start, today),
        )
        created += 1
    return created


__all__ = ["seed_demo_licenses"]
