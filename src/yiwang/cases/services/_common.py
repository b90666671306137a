"""Pieces shared by the writers: constants, material checks, the change being applied,
the timeline entry and the applicant's message."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.accounts.actor import Actor, PostGrant
from yiwang.cases.choices import CaseAction, EventKind
from yiwang.cases.closing import RATEABLE_STATUSES, ClosedCase, closing_notes
from yiwang.cases.models import Case, CaseEvent, CaseMaterial
from yiwang.cases.responsible import refresh_responsible
from yiwang.catalog.license_materials import (
    LicenseClaim,
    LicenseMaterial,
    check_license_materials,
)
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.common.db import insert_rows
from yiwang.common.errors import ValidationFailed
from yiwang.notify.services import notify
from yiwang.uploads.selectors import uploads_for

#: The platform acting by itself (deemed acceptance, automatic decisions); the audit
#: log records it as "system".
SYSTEM_ACTOR = Actor.system("system")


SYSTEM_UNIT = "系统"


APPLICANT_UNIT = "申请人"


DEFAULT_CARRIER = "中国邮政速递物流（EMS）"


#: Query codes: 10 characters of an alphabet without look-alikes (~50 bits).
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


QUERY_CODE_LENGTH = 10


COMMENT_MAX = 2000


#: Delivery methods an automatic decision completes by itself (nothing to hand over).
SELF_SERVICE_DELIVERY = frozenset({"self_print", "e_license", "online"})


LAW = gettext_noop("《中华人民共和国行政许可法》")  # translated where it is shown


@dataclass(frozen=True)
class MaterialRef:
    """One material of an application: an uploaded file, or — `license_id` — a license
    of the applicant's from the library (免提交)."""

    material: str
    upload_id: str = ""
    license_id: str = ""

    @property
    def is_license(self) -> bool:
        return bool(self.license_id)


def material_ref(m: MaterialRef | Mapping[str, Any]) -> MaterialRef:
    if isinstance(m, MaterialRef):
        return m
    return MaterialRef(
        str(m.get("material", "")),
        str(m.get("upload_id") or ""),
        str(m.get("license_id") or ""),
    )


def check_materials(
    actor: Actor,
    item_materials: Mapping[str, Any],
    refs: Sequence[MaterialRef],
    *,
    all_required: bool,
    required_codes: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate material references; returns upload_id -> Upload (owned by the actor).

    Unknown material codes, uploads the actor does not own, and (when `all_required`)
    every required material not given are reported in one error, each by name.
    """
    unknown = sorted({r.material for r in refs if r.material not in item_materials})
    if unknown:
        raise ValidationFailed(
            _("本事项没有这些材料：%(unknown)s") % {"unknown": "、".join(unknown)},
            code="unknown_material",
            unknown=unknown,
        )
    given = {r.material for r in refs}
    wanted = set(required_codes)
    if all_required:
        wanted |= {code for code, m in item_materials.items() if m.required}
    missing = [code for code in item_materials if code in wanted and code not in given]
    if missing:
        names = "、".join(item_materials[c].name for c in missing)
        raise ValidationFailed(
            _("缺少材料：%(names)s") % {"names": names},
            code="materials_missing",
            missing=[{"material": c, "name": item_materials[c].name} for c in missing],
        )
    both = [r.material for r in refs if r.is_license and r.upload_id]
    if both:
        raise ValidationFailed(
            _("每份材料请只提供上传文件或电子证照中的一种：%(codes)s") % {"codes": "、".join(both)},
            code="material_file_and_license",
            materials=both,
        )
    files = [r for r in refs if not r.is_license]  # licenses: check_license_refs
    uploads: dict[str, Any] = uploads_for(actor, {r.upload_id for r in files})
    bad = [
        {"material": r.material, "name": item_materials[r.material].name}
        for r in files
        if r.upload_id not in uploads
    ]
    if bad:
        names = "、".join(b["name"] for b in bad)
        raise ValidationFailed(
            _("材料“%(names)s”的上传文件不存在或不属于您，请重新上传") % {"names": names},
            code="upload_not_found",
            materials=bad,
        )
    return uploads


def check_license_refs(
    applicant_id: int,
    item_materials: Mapping[str, Any],
    refs: Sequence[MaterialRef],
    on: date,
) -> dict[str, LicenseMaterial]:
    """The licenses given as materials (免提交), checked by the license library through
    the catalog's registry (decision 0022): each material must take a license type
    (catalog data), and the library accepts only the applicant's own license of that
    type, valid on `on`, its signature good. Returns material code -> what was verified."""
    claims = [r for r in refs if r.is_license]
    untyped = [r.material for r in claims if not item_materials[r.material].license_type_code]
    if untyped:
        names = "、".join(item_materials[c].name for c in untyped)
        raise ValidationFailed(
            _("材料“%(names)s”不能以电子证照提交，请上传文件") % {"names": names},
            code="material_takes_no_license",
            materials=untyped,
        )
    return check_license_materials(
        applicant_id,
        [
            LicenseClaim(
                material=r.material,
                material_name=item_materials[r.material].name,
                license_id=r.license_id,
                type_code=item_materials[r.material].license_type_code,
            )
            for r in claims
        ],
        on,
    )


def add_materials(
    case: Case,
    item_materials: Mapping[str, Any],
    refs: Sequence[MaterialRef],
    uploads: Mapping[str, Any],
    now: datetime,
    licenses: Mapping[str, LicenseMaterial] | None = None,
) -> None:
    """One row per material: its file, or the license the library verified."""
    rows = []
    for ref in refs:
        row = CaseMaterial(
            case=case,
            material_code=ref.material,
            material_name=item_materials[ref.material].name,
            submitted_at=now,
        )
        if ref.is_license:
            verified = (licenses or {})[ref.material]
            row.license_identifier = verified.license_id
            row.license_facts = verified.facts()
        else:
            row.upload = uploads[ref.upload_id]
            row.file_name = str(getattr(uploads[ref.upload_id], "name", ""))
        rows.append(row)
    insert_rows(rows)


def find_delivery_method(item: ServiceItem, code: str) -> DeliveryMethod:
    methods = {m.code: m for m in item.delivery_methods.all()}
    if code not in methods:
        raise ValidationFailed(
            _("本事项不支持送达方式“%(code)s”") % {"code": code},
            code="bad_delivery_method",
            allowed=sorted(methods),
        )
    return methods[code]


def only_delivery_method(item: ServiceItem) -> DeliveryMethod | None:
    """Without a choice, the item's delivery method if it has only one."""
    methods = list(item.delivery_methods.all())
    return methods[0] if len(methods) == 1 else None


def intake_unit_label(case: Case) -> str:
    if case.intake_region is not None:
        return f"{case.intake_region.name}便民服务站"
    return case.hall.name if case.hall else case.department.name


@dataclass
class _Change:
    """One transition being applied; effects fill in the details."""

    case: Case
    action: CaseAction
    actor: Actor  # an account's, or SYSTEM_ACTOR
    viewer: Actor | None  # None when the system acts
    comment: str
    params: Mapping[str, Any]
    now: datetime
    today: date
    from_status: str
    target: str
    unit: str
    acting_post: PostGrant | None
    kind: str = EventKind.ACTION
    data: dict[str, Any] = field(default_factory=dict)
    subject: str = ""
    body: str = ""

    @property
    def is_system(self) -> bool:
        return self.viewer is None


def record_event(
    case: Case,
    *,
    kind: str,
    action: str,
    from_status: str,
    to_status: str,
    actor: Actor | None,
    unit: str,
    comment: str,
    data: dict[str, Any],
    at: datetime,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user if actor is not None else None,
        unit=unit[:100],
        comment=comment,
        data=json.loads(json.dumps(data, default=str, ensure_ascii=False)),
        at=at,
    )
    insert_rows([event])
    if actor is not None or from_status != to_status:
        # Only an actor or a new stage can change who answers for it (cases.responsible).
        refresh_responsible(case)
    return event


def tell_applicant(case: Case, actor: Actor, subject: str, body: str) -> None:
    """The applicant's message (notify outbox), in this transaction. Only what the
    applicant owns: their case number, item, dates and the reasons given to them.
    A message that closes a rateable case carries the registered closing notes
    (`cases.closing`: the rating link of 好差评)."""
    if case.status in RATEABLE_STATUSES:
        closed = ClosedCase(case.pk, case.case_no, case.status, case.applicant_id)
        body = "\n".join([body, *closing_notes(closed, actor=actor)])
    notify(
        case.applicant,
        subject=subject,
        body=body,
        object_type="case",
        object_id=case.case_no,
        actor=actor,
    )


def _need_comment(change: _Change, what: str) -> None:
    if not change.comment:
        raise ValidationFailed(_("请填写%(what)s") % {"what": what}, code="comment_required")


def _fmt(d: date | None) -> str:
    return f"{d:%Y年%m月%d日}" if d else "—"
