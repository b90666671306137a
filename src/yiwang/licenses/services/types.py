"""License types are data (licenses/data/license_types.json), loaded like the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.catalog.models import ServiceItem
from yiwang.common.audit import record
from yiwang.common.errors import ValidationFailed
from yiwang.licenses.models import LicenseType

DEFAULT_TYPES_FILE = Path(__file__).resolve().parent.parent / "data" / "license_types.json"
_VALIDITY_KEYS: tuple[set[str], ...] = (
    {"years"},
    {"months"},
    {"days"},
    {"from_field", "until_field"},
    set(),
)


def _check(entry: dict[str, Any]) -> None:
    code = str(entry.get("code", ""))
    if len(code) != 21 or not code.isalnum() or not code.isascii() or code.upper() != code:
        raise ValidationFailed(
            _("证照类型代码 %(code)s 须为 21 位数字或大写字母") % {"code": code},
            code="bad_license_type",
        )
    names = [str(f.get("name", "")) for f in entry.get("fields", [])]
    if len(set(names)) != len(names) or not all(f.get("label") for f in entry.get("fields", [])):
        raise ValidationFailed(
            _("证照类型 %(code)s 的照面信息项须各有唯一的名称和标签") % {"code": code},
            code="bad_license_type",
        )
    if not set(entry.get("qr_fields", [])) <= set(names):
        raise ValidationFailed(
            _("证照类型 %(code)s 的二维码展示项不在照面信息项中") % {"code": code},
            code="bad_license_type",
        )
    if set(entry.get("validity", {})) not in _VALIDITY_KEYS:
        raise ValidationFailed(
            _("证照类型 %(code)s 的有效期规则不正确") % {"code": code}, code="bad_license_type"
        )


def load_license_types(path: str | Path | None = None, *, actor: Actor) -> int:
    """Create or bring up to date the license types of the file and the items each is
    yielded by (the catalog must be loaded first; unknown item codes are refused).
    Returns how many types were created or changed; a second run changes nothing."""
    actor = as_actor(actor)
    data = json.loads(Path(path or DEFAULT_TYPES_FILE).read_text(encoding="utf-8"))
    entries = data["types"]
    for entry in entries:
        _check(entry)
    wanted_items = {code for e in entries for code in e.get("items", [])}
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=wanted_items)}
    missing = sorted(wanted_items - set(items))
    if missing:
        raise ValidationFailed(
            _("证照类型引用了不存在的事项：%(codes)s") % {"codes": "、".join(missing)},
            code="unknown_item",
        )
    changed = 0
    with transaction.atomic():
        existing = {t.code: t for t in LicenseType.objects.prefetch_related("items")}
        for entry in entries:
            values = {
                "name": entry["name"],
                "authority_name": entry["authority_name"],
                "fields": entry.get("fields", []),
                "qr_fields": entry.get("qr_fields", []),
                "validity": entry.get("validity", {}),
            }
            item_codes = sorted(entry.get("items", []))
            current = existing.get(entry["code"])
            if current is not None:
                same = all(getattr(current, k) == v for k, v in values.items())
                if same and sorted(i.code for i in current.items.all()) == item_codes:
                    continue
                for k, v in values.items():
                    setattr(current, k, v)
                current.save()
                lic_type, action = current, "licenses.type_changed"
            else:
                lic_type = LicenseType.objects.create(code=entry["code"], **values)
                action = "licenses.type_created"
            lic_type.items.set([items[c] for c in item_codes])
            record(action, lic_type, actor=actor, after={**values, "items": item_codes})
            changed += 1
    return changed
