"""Reuse at intake (免提交, issue 11 item 7): a license of the applicant's stands for a
material the catalog says it satisfies (`Material.license_type_code`).

`check_claims` is the library's check, registered with `catalog.license_materials` at
app-ready (the case app may not import this one, decision 0022). A license is accepted
only when it is the applicant's own, of the material's type, signed, its stored facts
still hash to the signed digest, and the library's own verification of its QR payload
answers `valid` today. Each other answer is refused with its own stable code, all the
refused materials named in one error. `reusable_licenses` is what the apply page
pre-fills.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.catalog.license_materials import LicenseClaim, LicenseMaterial
from yiwang.common.errors import ValidationFailed
from yiwang.licenses.choices import LicenseStatus, VerifyResult
from yiwang.licenses.encoding import canonical_metadata, sm3_hex
from yiwang.licenses.models import License
from yiwang.licenses.selectors import HolderRef, holder_of_account
from yiwang.licenses.services.sealing import facts_of, payload_of
from yiwang.licenses.services.verifying import verify_payload

#: The refusal code for each answer of the library other than `valid` (stable: clients
#: rely on them). `not_yet_valid` is the answer of the verify lane's rule for a license
#: whose period has not begun; without it that case arrives as `expired`.
REFUSALS: dict[str, str] = {
    VerifyResult.REVOKED: "material_license_revoked",
    VerifyResult.SUSPENDED: "material_license_suspended",
    VerifyResult.EXPIRED: "material_license_expired",
    "not_yet_valid": "material_license_not_yet_valid",
    VerifyResult.SUPERSEDED: "material_license_superseded",
    VerifyResult.UNKNOWN: "material_license_unverifiable",
    VerifyResult.TAMPERED: "material_license_unverifiable",
}
#: Not the applicant's, or no such license: one answer, so that nobody learns whether
#: someone else holds a license by trying its identifier.
NOT_FOUND = "material_license_not_found"
WRONG_TYPE = "material_license_wrong_type"
UNSIGNED = "material_license_unsigned"

_REASONS = {
    NOT_FOUND: gettext_noop("不是申请人本人的电子证照或不存在"),
    WRONG_TYPE: gettext_noop("证照类型不符合该材料的要求"),
    UNSIGNED: gettext_noop("证照尚未完成签名，暂不能调取"),
    "material_license_revoked": gettext_noop("证照已被吊销"),
    "material_license_suspended": gettext_noop("证照已被暂停"),
    "material_license_expired": gettext_noop("证照已过有效期"),
    "material_license_not_yet_valid": gettext_noop("证照尚未到有效期起始日"),
    "material_license_superseded": gettext_noop("证照已换发新版本，请使用最新版本"),
    "material_license_unverifiable": gettext_noop("证照未通过核验"),
}

_Refusal = Callable[[str, list[dict[str, str]]], ValidationFailed]


def _msg(text: str) -> str:
    return _("以下材料不能使用电子证照：%(text)s") % {"text": text}


#: One refusal per code (each code a literal at its construction: tests/common).
_REFUSE: dict[str, _Refusal] = {
    NOT_FOUND: lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_not_found", materials=refused
    ),
    WRONG_TYPE: lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_wrong_type", materials=refused
    ),
    UNSIGNED: lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_unsigned", materials=refused
    ),
    "material_license_revoked": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_revoked", materials=refused
    ),
    "material_license_suspended": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_suspended", materials=refused
    ),
    "material_license_expired": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_expired", materials=refused
    ),
    "material_license_not_yet_valid": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_not_yet_valid", materials=refused
    ),
    "material_license_superseded": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_superseded", materials=refused
    ),
    "material_license_unverifiable": lambda text, refused: ValidationFailed(
        _msg(text), code="material_license_unverifiable", materials=refused
    ),
}


def _holds(holder: HolderRef | None, lic: License) -> bool:
    return holder is not None and (lic.holder_kind, lic.holder_code) == (holder.kind, holder.code)


def _verdict(lic: License, claim: LicenseClaim, holder: HolderRef | None, on: date) -> str:
    """ "" when the license may stand for the material, else the refusal code."""
    if not _holds(holder, lic):
        return NOT_FOUND
    if lic.license_type.code != claim.type_code:
        return WRONG_TYPE
    if lic.signed_at is None or lic.key is None:
        return UNSIGNED
    # The row's facts must still be what was signed (a row changed behind the library's
    # back would otherwise pass on its old signature).
    if sm3_hex(canonical_metadata(facts_of(lic, lic.license_type, lic.issuer))) != lic.digest:
        return REFUSALS[VerifyResult.TAMPERED]
    answer = verify_payload(payload_of(lic), today=on)
    if answer.result == VerifyResult.VALID:
        return ""
    if answer.result == VerifyResult.EXPIRED and answer.reason == "not_yet_valid":
        return REFUSALS["not_yet_valid"]
    return REFUSALS.get(answer.result, REFUSALS[VerifyResult.TAMPERED])


def check_claims(
    applicant_id: int, claims: Sequence[LicenseClaim], on: date
) -> list[LicenseMaterial]:
    """The library's check of the licenses an applicant gives as materials (registered
    with catalog.license_materials). Raises ValidationFailed with the first refused
    material's code and every refused one in `materials`."""
    holder = holder_of_account(applicant_id)
    found = {
        lic.identifier: lic
        for lic in License.objects.select_related("license_type", "issuer", "key").filter(
            identifier__in={c.license_id for c in claims}
        )
    }
    now = timezone.now()
    accepted: list[LicenseMaterial] = []
    refused: list[dict[str, str]] = []
    for claim in claims:
        lic = found.get(claim.license_id)
        code = NOT_FOUND if lic is None else _verdict(lic, claim, holder, on)
        if lic is None or code:
            refusal = {
                "material": claim.material,
                "name": claim.material_name,
                "license_id": claim.license_id,
                "code": code,
                "reason": _(_REASONS[code]),
            }
            if lic is not None and lic.superseded_by_id and code == REFUSALS["superseded"]:
                refusal["newer"] = License.objects.get(pk=lic.superseded_by_id).identifier
            refused.append(refusal)
            continue
        accepted.append(
            LicenseMaterial(
                material=claim.material,
                license_id=lic.identifier,
                type_code=lic.license_type.code,
                type_name=lic.license_type.name,
                version=lic.version_text,
                license_no=lic.serial,
                holder_name=lic.holder_name,
                issuer_name=lic.issuer.name,
                valid_from=lic.valid_from,
                valid_until=lic.valid_until,
                status=VerifyResult.VALID,
                key_id=lic.key.key_id if lic.key else "",
                digest=lic.digest,
                verified_at=now,
            )
        )
    if refused:
        # The first refused material's cause is the code; every refused one is listed.
        text = "；".join(f"{r['name']}：{r['reason']}" for r in refused)
        raise _REFUSE[refused[0]["code"]](text, refused)
    return accepted


def reusable_licenses(
    applicant_id: int | None, type_codes: Iterable[str], *, on: date | None = None
) -> dict[str, License]:
    """For each wanted type, the applicant's newest license of it that is valid on `on`
    (stored status valid, signed, within its dates) — what the apply page pre-fills.
    The submission checks it again (signature and all)."""
    holder = holder_of_account(applicant_id)
    wanted = {c for c in type_codes if c}
    if holder is None or not wanted:
        return {}
    day = on or timezone.localdate()
    rows = (
        License.objects.select_related("license_type", "issuer")
        .filter(
            holder_kind=holder.kind,
            holder_code=holder.code,
            license_type__code__in=wanted,
            status=LicenseStatus.VALID,
            signed_at__isnull=False,
            valid_from__lte=day,
        )
        .order_by("-issued_on", "-version", "-id")
    )
    out: dict[str, License] = {}
    for lic in rows:
        if lic.valid_until is not None and lic.valid_until < day:
            continue
        out.setdefault(lic.license_type.code, lic)
    return out
