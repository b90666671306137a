"""Reads about identities, scoped to who asks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import ApiToken, Enterprise, StaffPost, User
from yiwang.common.personal import mask_id_number, mask_phone
from yiwang.common.revisions import RevisionCache, SnapshotCache
from yiwang.org.models import Post
from yiwang.org.selectors import ORG_REVISION

#: The revision (common.revisions) the token and post caches depend on. Bumped by
#: `revoke_token` and `create_staff`; a service that changes an account (deactivation,
#: kind, name, posts) must bump it too, as the caches hold copies.
ACCOUNTS_REVISION = "accounts"


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


@dataclass(frozen=True)
class _TokenHolder:
    expires_at: datetime
    user_values: tuple[Any, ...]  # in the order of _USER_FIELDS


class _NoLiveToken(Exception):
    pass


_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]

#: Live tokens by digest, with their user: every API request asks, a logout changes it.
#: An unknown or dead token is never cached (nobody fills this with random values).
_live_tokens: RevisionCache[_TokenHolder] = RevisionCache(ACCOUNTS_REVISION, max_entries=20_000)


def user_for_token(raw: str) -> User | None:
    """The active user a live bearer token belongs to, or None.

    From a per-process cache (common.revisions): a revoked token is refused at once by
    the process that revoked it and by every other within about a second. Each call
    gets its own User instance, so nothing one request caches on it reaches another.
    """
    if not raw:
        return None
    digest = token_digest(raw)

    def load() -> _TokenHolder:
        token = token_record(raw)
        if token is None or not token.user.is_active:
            raise _NoLiveToken
        return _TokenHolder(
            token.expires_at, tuple(getattr(token.user, name) for name in _USER_FIELDS)
        )

    try:
        holder = _live_tokens.get(digest, load)
    except _NoLiveToken:
        return None
    if holder.expires_at <= timezone.now():
        return None
    return User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, holder.user_values)


#: A staff member's posts with unit, region and role, by user id: asked on every staff
#: request, changed when an account (ACCOUNTS_REVISION) or a post, role or unit
#: (ORG_REVISION) changes. Each call gets its own copies.
_staff_posts: SnapshotCache[tuple[Post, ...]] = SnapshotCache(
    ACCOUNTS_REVISION, ORG_REVISION, max_entries=20_000
)


def posts_of(user: User) -> list[Post]:
    """The posts a staff member holds, with their unit, region and role. Applicants
    (citizens, enterprises) hold none: only `create_staff` grants posts."""
    if not user.is_authenticated or user.kind not in (UserKind.STAFF, UserKind.ADMIN):
        return []

    def load() -> tuple[Post, ...]:
        return tuple(
            sp.post
            for sp in StaffPost.objects.filter(user=user).select_related(
                "post__role", "post__hall__region", "post__department__region"
            )
        )

    return list(_staff_posts.get(user.pk, load))


@dataclass(frozen=True)
class Identity:
    """What a viewer may see of someone's identity: masked unless it is their own."""

    username: str
    kind: str
    display_name: str
    id_number: str = ""
    phone: str = ""
    uscc: str = ""


def identity_for(subject: User, *, viewer: User | None, handling: bool = False) -> Identity:
    """ID and phone numbers in full only for their owner and the handling staff."""
    full = handling or (viewer is not None and viewer.is_authenticated and viewer.pk == subject.pk)
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


def enterprise_user(uscc: str) -> User | None:
    """The active account of the enterprise with this USCC, if it has one."""
    account = Enterprise.objects.select_related("user").filter(uscc=uscc).first()
    return account.user if account is not None and account.user.is_active else None


def enterprise_users(usccs: list[str]) -> dict[str, User]:
    """The active accounts of these enterprises, by USCC (one query)."""
    return {
        a.uscc: a.user
        for a in Enterprise.objects.select_related("user").filter(
            uscc__in=usccs, user__is_active=True
        )
    }


def uscc_of(user: User | Any) -> str | None:
    """The USCC of an enterprise account; None for anyone else."""
    if not isinstance(user, User) or user.pk is None:
        return None
    return Enterprise.objects.filter(user_id=user.pk).values_list("uscc", flat=True).first()
