"""Reads about identities, scoped to who asks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import ApiToken, StaffPost, User
from yiwang.common.permissions import Permission
from yiwang.common.personal import mask_id_number, mask_phone
from yiwang.org.choices import RoleScope
from yiwang.org.models import Post


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_record(raw: str) -> ApiToken | None:
    """The live token record for a raw bearer value, or None (unknown, expired or revoked)."""
    if not raw:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def user_for_token(raw: str) -> User | None:
    token = token_record(raw)
    if token is None or not token.user.is_active:
        return None
    return token.user


def posts_of(user: User) -> list[Post]:
    """The posts a staff member holds, with their unit, region and role. Applicants
    (citizens, enterprises) hold none: only `create_staff` grants posts."""
    if not user.is_authenticated or user.kind not in (UserKind.STAFF, UserKind.ADMIN):
        return []
    return [
        sp.post
        for sp in StaffPost.objects.filter(user=user).select_related(
            "post__role", "post__hall__region", "post__department__region"
        )
    ]


def permissions_of(user: User) -> set[Permission]:
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.kind == UserKind.ADMIN and user.is_superuser:
        return set(Permission)
    granted: set[Permission] = set()
    for post in posts_of(user):
        granted.update(
            Permission(p) for p in post.role.permissions if p in Permission._value2member_map_
        )
    return granted


def has_permission(user: User, permission: Permission) -> bool:
    return permission in permissions_of(user)


def supervised_region_paths(user: User) -> list[str]:
    """Region paths under which a supervisor sees everything (their post's region and below)."""
    return [
        post.region.path for post in posts_of(user) if post.role.scope == RoleScope.REGION_BELOW
    ]


@dataclass(frozen=True)
class Identity:
    """What a viewer may see of someone's identity: masked unless it is their own."""

    username: str
    kind: str
    display_name: str
    id_number: str = ""
    phone: str = ""
    uscc: str = ""


def identity_for(subject: User, *, viewer: User, handling: bool = False) -> Identity:
    """ID and phone numbers in full only for their owner and the handling staff."""
    full = handling or (viewer.is_authenticated and viewer.pk == subject.pk)
    base = {
        "username": subject.username,
        "kind": subject.kind,
        "display_name": subject.display_name,
    }
    if subject.kind == UserKind.CITIZEN and hasattr(subject, "citizen"):
        c = subject.citizen
        return Identity(
            **base,
            id_number=c.id_number if full else mask_id_number(c.id_number),
            phone=c.phone if full else (mask_phone(c.phone) if c.phone else ""),
        )
    if subject.kind == UserKind.ENTERPRISE and hasattr(subject, "enterprise"):
        e = subject.enterprise
        return Identity(
            **base, uscc=e.uscc, phone=e.phone if full else (mask_phone(e.phone) if e.phone else "")
        )
    return Identity(**base)


def active_tokens_of(user: User) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(
            Q(user=user), revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )


def demo_accounts() -> list[User]:
    return list(User.objects.filter(is_demo=True).order_by("kind", "username"))


def applicant_by_identifier(value: str) -> User | None:
    """The active real-name citizen (resident ID number) or enterprise (USCC) with this code,
    for a clerk submitting on someone's behalf (代办)."""
    code = value.strip().upper()
    if not code:
        return None
    return (
        User.objects.filter(Q(citizen__id_number=code) | Q(enterprise__uscc=code), is_active=True)
        .order_by("pk")
        .first()
    )
