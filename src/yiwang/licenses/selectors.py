"""Every read of the license library, scoped to who asks (accounts.actor.restrict).

Who sees a license: its holder (the citizen by ID number, the enterprise by USCC); the
staff of the issuing department whose post grants `unit:license:view` (a `region_below`
post: every issuer of its region and below); the platform administrator. Everyone else
is told it does not exist. The public learns a license's status only through a payload
it holds (POST /licenses/verify).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, as_actor, restrict, scope_rule
from yiwang.accounts.models import Citizen, Enterprise
from yiwang.common.errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.common.validators import check_license_id
from yiwang.licenses.choices import HolderKind
from yiwang.licenses.models import AuthorityKey, License, LicenseChange, Verification

PAGE_SIZE = 20
MAX_PAGE = 10_000
#: Lists count their total up to this many rows (then say it is capped), as the case
#: inbox and the credit search do.
COUNT_CAP = 10_000
CHANGES_PAGE_MAX = 1000


@dataclass(frozen=True)
class HolderRef:
    kind: str
    code: str
    name: str


def holder_of_account(user_id: int | None) -> HolderRef | None:
    """The holder an applicant account stands for: a citizen by ID number, an
    enterprise by USCC; None for anyone else."""
    if user_id is None:
        return None
    citizen = Citizen.objects.filter(user_id=user_id).only("id_number", "real_name").first()
    if citizen is not None:
        return HolderRef(HolderKind.PERSON, citizen.id_number, citizen.real_name)
    enterprise = Enterprise.objects.filter(user_id=user_id).only("uscc", "name").first()
    if enterprise is not None:
        return HolderRef(HolderKind.ENTITY, enterprise.uscc, enterprise.name)
    return None


def _staff_terms(actor: Actor, permission: Permission, prefix: str = "") -> list[Q]:
    parts = []
    departments = {p.department_id for p in actor.posts_with(permission) if p.department_id}
    if departments:
        parts.append(Q(**{f"{prefix}issuer_id__in": departments}))
    for path in actor.paths_below(permission):
        parts.append(Q(**{f"{prefix}issuer__region__path__startswith": path}))
    return parts


@scope_rule(License)
def license_scope(actor: Actor, permission: Permission) -> Q | None:
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    parts = _staff_terms(actor, permission)
    if actor.is_applicant and permission == Permission.LICENSE_VIEW:
        holder = holder_of_account(actor.pk)
        if holder is not None:
            parts.append(Q(holder_code=holder.code, holder_kind=holder.kind))
    return reduce(or_, parts) if parts else NOTHING


@scope_rule(Verification)
def verification_scope(actor: Actor, permission: Permission) -> Q | None:
    """A license's checks: its holder and its issuer's staff; an officer, their own."""
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    parts = _staff_terms(actor, permission, "license__")
    parts.append(Q(verifier_id=actor.pk))
    if actor.is_applicant and permission == Permission.LICENSE_VIEW:
        holder = holder_of_account(actor.pk)
        if holder is not None:
            parts.append(Q(license__holder_code=holder.code, license__holder_kind=holder.kind))
    return reduce(or_, parts)


def licenses_visible_to(actor: Actor) -> QuerySet[License]:
    return restrict(License.objects.all(), as_actor(actor), Permission.LICENSE_VIEW)


def parse_identifier(identifier: str) -> str:
    """A well-formed identifier, or 400 `bad_license_id` naming the broken rule."""
    try:
        return check_license_id(identifier)
    except ValidationFailed as exc:
        raise BadRequest(
            _("证照标识格式不正确：%(detail)s") % {"detail": exc.detail},
            code="bad_license_id",
            rule=exc.extra.get("rule", ""),
        ) from None


def license_for(actor: Actor, identifier: str) -> License:
    """The license `actor` may see, or NotFound (as if it did not exist)."""
    identifier = parse_identifier(identifier)
    lic = (
        licenses_visible_to(actor)
        .select_related("license_type", "issuer", "key", "superseded_by", "source_case")
        .filter(identifier=identifier)
        .first()
    )
    if lic is None:
        raise NotFound(_("电子证照不存在"), code="license_not_found")
    return lic


@dataclass(frozen=True)
class Page:
    rows: list[License]
    total: int
    page: int
    page_size: int
    total_capped: bool


def licenses_for(actor: Actor, *, page: int = 1, status: str = "") -> Page:
    """The holder's own licenses; staff: their department's. Newest first, one page,
    the total counted up to COUNT_CAP."""
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(_("页码须在 1 到 %(max)s 之间") % {"max": MAX_PAGE}, code="bad_page")
    qs = licenses_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    total = qs.order_by()[: COUNT_CAP + 1].count()
    rows = list(
        qs.select_related("license_type", "issuer", "key", "superseded_by", "source_case").order_by(
            "-issued_on", "-id"
        )[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    return Page(rows, min(total, COUNT_CAP), page, PAGE_SIZE, total > COUNT_CAP)


def verifications_for(actor: Actor, identifier: str, *, limit: int = 100) -> list[Verification]:
    """The checks of a license, newest first: its holder's and its issuer's view."""
    lic = license_for(actor, identifier)
    qs = restrict(Verification.objects.filter(license=lic), actor, Permission.LICENSE_VIEW)
    return list(qs.order_by("-checked_at", "-id")[:limit])


def published_keys() -> list[AuthorityKey]:
    """Every authority key, retired ones included (they verify what they signed)."""
    return list(
        AuthorityKey.objects.select_related("department").order_by(
            "department__code", "valid_from", "id"
        )
    )


@dataclass(frozen=True)
class ChangesPage:
    rows: list[LicenseChange]
    next_cursor: int
    more: bool


def changes_since(actor: Actor, since: int, *, limit: int = CHANGES_PAGE_MAX) -> ChangesPage:
    """The change feed after `since` (exclusive), for exchange clients
    (`exchange:license:changes`): ids in commit order (decision 0019)."""
    actor = as_actor(actor)
    if not actor.has(Permission.LICENSE_CHANGES):
        raise PermissionDenied(
            _("只有经授权的数据交换客户端可以读取证照变更"), code="exchange_clients_only"
        )
    if since < 0:
        raise ValidationFailed(_("游标不能为负数"), code="bad_cursor")
    limit = max(1, min(limit, CHANGES_PAGE_MAX))
    rows = list(
        LicenseChange.objects.filter(id__gt=since)
        .select_related("license__license_type")
        .order_by("id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ChangesPage(rows, rows[-1].id if rows else since, more)
