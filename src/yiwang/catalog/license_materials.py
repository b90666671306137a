"""Materials satisfied by a license of the applicant's (免提交, issue 11 item 7).

Which license type satisfies a material is catalog data (`Material.license_type_code`).
Whether a given license may stand for it — the applicant's own, valid today, its
signature good — only the license library knows. The case app sits beside the library
(peers may not import each other), so the library registers its check here from
`LicensesConfig.ready()` and the submission path calls `check_license_materials` in its
check step, as the `issue` action calls `catalog.results` (decision 0019, 0020).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from yiwang.common.errors import ValidationFailed


@dataclass(frozen=True)
class LicenseClaim:
    """A material the applicant says one of their licenses satisfies."""

    material: str
    material_name: str
    license_id: str
    #: The license type the material takes (catalog data).
    type_code: str


@dataclass(frozen=True)
class LicenseMaterial:
    """A license accepted as a material, as the library verified it at submission; the
    case keeps these facts (the clerk sees them, not an upload)."""

    material: str
    license_id: str
    type_code: str
    type_name: str
    version: str
    license_no: str
    holder_name: str
    issuer_name: str
    valid_from: date
    valid_until: date | None
    #: The library's answer at submission (always `valid` for an accepted one).
    status: str
    key_id: str
    digest: str
    verified_at: datetime

    def facts(self) -> dict[str, Any]:
        """JSON-ready, for `CaseMaterial.license_facts`."""
        out = asdict(self)
        for name in ("valid_from", "valid_until", "verified_at"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        return out


#: Checks the claims of one applicant (account id) on a day: returns one accepted
#: LicenseMaterial per claim, or raises a DomainError naming the refused ones.
LicenseChecker = Callable[[int, Sequence[LicenseClaim], date], Sequence[LicenseMaterial]]

_checkers: dict[str, LicenseChecker] = {}


def register_license_checker(name: str, checker: LicenseChecker) -> None:
    """Register the license library's check (once, from its AppConfig.ready)."""
    if name in _checkers and _checkers[name] is not checker:
        raise ImproperlyConfigured(f"a license checker named {name!r} is registered already")
    _checkers[name] = checker


def check_license_materials(
    applicant_id: int, claims: Sequence[LicenseClaim], on: date
) -> dict[str, LicenseMaterial]:
    """The accepted licenses by material code. No claims: nothing to ask. Claims and no
    library installed: refused (422 `license_library_unavailable`), never waved through."""
    if not claims:
        return {}
    if not _checkers:
        raise ValidationFailed(
            _("电子证照库不可用，请上传材料文件"), code="license_library_unavailable"
        )
    accepted: dict[str, LicenseMaterial] = {}
    for checker in _checkers.values():
        for made in checker(applicant_id, claims, on):
            accepted[made.material] = made
    return accepted
