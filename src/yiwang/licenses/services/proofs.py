"""Online proofs (网上开证明, issue 11 item 6): a proof issued on request, instantly, as a
signed e-certificate — a License of the kind's proof type, through the one signing path
(`issue_license`), so it has a QR code, verifies offline and is in the holder's list.

The facts come from the kind's registry (`licenses.proofs.sources.ProofSource`), never
from the person. When the registry does not confirm them, nothing is issued and the
answer says why and where to turn: the catalog item to apply for (the apply page fills
the materials the person's licenses satisfy), or the window when the catalog has none
(decision 0022 says why a case is not opened on the person's behalf).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.accounts.actor import Actor, as_actor
from yiwang.catalog.models import ServiceItem
from yiwang.common.audit import record
from yiwang.common.errors import PermissionDenied, ValidationFailed
from yiwang.licenses.choices import HolderKind
from yiwang.licenses.models import License
from yiwang.licenses.proofs.kinds import ProofKind, kinds_file, proof_kind, proof_kinds
from yiwang.licenses.proofs.sources import SourceAnswer, SourceUnavailable, source_for
from yiwang.licenses.selectors import HolderRef, holder_of_account
from yiwang.licenses.services.issuing import Holder, issue_license
from yiwang.licenses.services.types import load_license_types
from yiwang.org.models import Department, Region

#: The platform issues the proof on the department's behalf (the registry confirmed
#: the facts; nobody decided anything): the audit log records "proofs".
PROOF_ACTOR = Actor.system("proofs")
PURPOSE_MAX = 100
#: Not confirmed because the facts lie outside the issuing department's region.
OUTSIDE_REGION = "outside_issuer_region"
#: The registry did not answer.
UNAVAILABLE = "source_unavailable"

#: What each reason tells the person (the codes are the API's `reason`).
REASON_TEXT = {
    "no_record": gettext_noop("登记信息中没有您的记录"),
    "record_not_current": gettext_noop("登记信息显示该记录已不是当前状态（如已迁出）"),
    "name_mismatch": gettext_noop("登记信息中的姓名与您的实名信息不一致"),
    OUTSIDE_REGION: gettext_noop("登记信息不在出具机关的管辖范围内"),
    UNAVAILABLE: gettext_noop("登记信息系统暂时无法查询"),
}


def load_proof_types(*, actor: Actor) -> int:
    """The license types of the proof kinds (the kinds file's `types`, same format as
    license_types.json); how many were created or changed."""
    return load_license_types(kinds_file(), actor=actor)


def _fallback(kind: ProofKind) -> dict[str, Any]:
    """Where to turn: the catalog item to apply for, or the window."""
    item = (
        ServiceItem.objects.select_related("department")
        .filter(code=kind.fallback_item, is_active=True)
        .first()
        if kind.fallback_item
        else None
    )
    if item is None:
        return {"item_code": None, "item_name": None, "where": kind.fallback_where}
    return {
        "item_code": item.code,
        "item_name": item.name,
        "department": item.department.name,
        "promised_limit_days": item.promised_limit_days,
        "where": kind.fallback_where,
    }


def _not_confirmed(kind: ProofKind, reason: str) -> ValidationFailed:
    fallback = _fallback(kind)
    why = _(REASON_TEXT.get(reason, REASON_TEXT["no_record"]))
    if fallback["item_code"]:
        return ValidationFailed(
            _("无法即时出具%(kind)s：%(why)s。请在线申请“%(item)s”，由工作人员人工核实办理。")
            % {"kind": kind.name, "why": why, "item": fallback["item_name"]},
            code="proof_not_confirmed",
            kind=kind.code,
            reason=reason,
            fallback=fallback,
        )
    return ValidationFailed(
        _("无法即时出具%(kind)s：%(why)s。请到%(where)s申请，由工作人员人工核实办理。")
        % {"kind": kind.name, "why": why, "where": kind.fallback_where},
        code="proof_not_confirmed",
        kind=kind.code,
        reason=reason,
        fallback=fallback,
    )


def _covers(issuer: Department, region_code: str) -> bool:
    region = Region.objects.filter(code=region_code).only("path").first() if region_code else None
    return region is not None and region.path.startswith(issuer.region.path)


def _holder(actor: Actor) -> HolderRef:
    holder = holder_of_account(actor.pk) if actor.is_authenticated else None
    if holder is None:
        raise PermissionDenied(
            _("只有实名认证的个人或企业可以申请开具证明"), code="proofs_for_applicants"
        )
    return holder


def _kind(code: str, holder: HolderRef) -> ProofKind:
    kind = proof_kind(code)
    if kind is None:
        raise ValidationFailed(
            _("没有“%(code)s”这种证明") % {"code": code},
            code="unknown_proof_kind",
            allowed=[k.code for k in proof_kinds()],
        )
    if holder.kind not in kind.holder_kinds:
        raise ValidationFailed(
            _("%(kind)s只向%(who)s出具")
            % {"kind": kind.name, "who": "、".join(HolderKind(k).label for k in kind.holder_kinds)},
            code="proof_not_for_holder",
        )
    return kind


def request_proof(kind_code: str, *, actor: Actor, purpose: str = "") -> License:
    """Issue the proof `kind_code` to the signed-in person or enterprise when its registry
    confirms the facts today (instantly, no visit). The proof is a license of the kind's
    type issued by the kind's department and signed like every other; the holder is
    told. Not confirmed: 422 `proof_not_confirmed` with `reason` and `fallback`, nothing
    written."""
    actor = as_actor(actor)
    holder = _holder(actor)
    kind = _kind(kind_code, holder)
    purpose = " ".join((purpose or "").split())
    if len(purpose) > PURPOSE_MAX or not purpose.isprintable():
        raise ValidationFailed(
            _("用途说明不能超过 %(max)s 字") % {"max": PURPOSE_MAX}, code="bad_proof_purpose"
        )
    issuer = Department.objects.select_related("region").filter(code=kind.issuer).first()
    if issuer is None:  # a kinds file naming a department the org data lacks
        raise _not_confirmed(kind, UNAVAILABLE)
    today = timezone.localdate()
    try:
        answer: SourceAnswer = source_for(kind.source).lookup(holder, today)
    except SourceUnavailable:
        raise _not_confirmed(kind, UNAVAILABLE) from None
    if not answer.confirmed:
        raise _not_confirmed(kind, answer.reason)
    if not _covers(issuer, answer.region_code):
        raise _not_confirmed(kind, OUTSIDE_REGION)
    metadata = dict(answer.facts)
    if purpose and kind.takes_purpose:
        metadata["purpose"] = purpose
    with transaction.atomic():
        lic = issue_license(
            type_code=kind.license_type,
            issuer=issuer,
            holder=Holder(holder.kind, holder.code, holder.name),
            metadata=metadata,
            actor=PROOF_ACTOR,
            issued_on=today,
        )
        record(
            "licenses.proof_issued",
            lic,
            actor=actor,
            object_id=lic.identifier,
            after={"kind": kind.code, "source": kind.source, "reference": answer.reference},
        )
    return lic
