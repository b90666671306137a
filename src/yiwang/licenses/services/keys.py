"""The issuing authorities' SM2 keys: made, rotated, opened, published."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import Conflict, PermissionDenied
from yiwang.licenses import signing
from yiwang.licenses.models import AuthorityKey
from yiwang.licenses.verification import KnownKey
from yiwang.org.models import Department


def _today() -> date:
    return timezone.localdate()


def signing_key_for(department: Department, day: date) -> AuthorityKey | None:
    """The department's key that signs on `day`: the newest valid, unretired one."""
    for key in AuthorityKey.objects.filter(department=department).order_by("-valid_from", "-id"):
        if key.signs_on(day):
            return key
    return None


def _create_key(department: Department, *, valid_from: date, now: datetime) -> AuthorityKey:
    pair = signing.generate_key_pair()
    return AuthorityKey.objects.create(
        department=department,
        key_id=pair.key_id,
        public_key=pair.public.hex(),
        sealed_private_key=signing.seal(pair.private, pair.key_id),
        valid_from=valid_from,
        created_at=now,
    )


def _may_manage_keys(actor: Actor, department: Department) -> None:
    if actor.is_system or actor.platform:
        return
    raise PermissionDenied(_("只有平台管理员可以管理签发机关的密钥"), code="key_admin_only")


def ensure_authority_key(
    department: Department, *, actor: Actor, today: date | None = None
) -> AuthorityKey:
    """The department's signing key, made on first use (audited). Its private key is
    sealed under the master key before it reaches the database."""
    actor = as_actor(actor)
    day = today or _today()
    with transaction.atomic():
        Department.objects.select_for_update().filter(pk=department.pk).first()
        key = signing_key_for(department, day)
        if key is not None:
            return key
        _may_manage_keys(actor, department)
        key = _create_key(department, valid_from=day, now=timezone.now())
        record(
            "licenses.key_created",
            key,
            actor=actor,
            after={"department": department.code, "key_id": key.key_id},
        )
        return key


def rotate_authority_key(
    department: Department, *, actor: Actor, today: date | None = None
) -> AuthorityKey:
    """A new signing key from `today`; the old one stops signing (valid until
    yesterday, retired now) but stays published and keeps verifying what it signed."""
    actor = as_actor(actor)
    _may_manage_keys(actor, department)
    day = today or _today()
    now = timezone.now()
    with transaction.atomic():
        Department.objects.select_for_update().filter(pk=department.pk).first()
        old = signing_key_for(department, day)
        if old is not None:
            if old.valid_from >= day:
                raise Conflict(_("该机关今天已启用新密钥，不能再次轮换"), code="key_rotated_today")
            old.valid_until = day - timedelta(days=1)
            old.retired_at = now
            old.save(update_fields=["valid_until", "retired_at"])
        key = _create_key(department, valid_from=day, now=now)
        record(
            "licenses.key_rotated",
            key,
            actor=actor,
            before={"key_id": old.key_id if old else None},
            after={"department": department.code, "key_id": key.key_id},
        )
        return key


def key_pair(key: AuthorityKey) -> signing.KeyPair:
    return signing.opened(key.key_id, key.public_key, key.sealed_private_key)


def known_keys() -> dict[str, KnownKey]:
    """Every published key (retired ones too: they verify what they signed)."""
    rows = AuthorityKey.objects.values_list(
        "key_id", "public_key", "department__uscc", "department__name"
    )
    return {
        key_id: KnownKey(signing.public_key(public), uscc, name)
        for key_id, public, uscc, name in rows
    }


__all__ = [
    "ensure_authority_key",
    "key_pair",
    "known_keys",
    "rotate_authority_key",
    "signing_key_for",
]
