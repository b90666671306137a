"""Writers for identities, sign-in and API tokens. Every write is audited."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import ApiToken, Citizen, Enterprise, LoginThrottle, StaffPost, User
from yiwang.accounts.selectors import ACCOUNTS_REVISION, token_digest
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from yiwang.common.revisions import bump
from yiwang.common.validators import check_id_number, check_uscc
from yiwang.org.models import Post, Region
from yiwang.org.selectors import get_region, posts_by_code

TOKEN_PREFIX = "yw_"  # noqa: S105 - a public marker, not a secret
_THROTTLE_WINDOW = timedelta(minutes=15)


#: Sent inside the failing attempt's transaction when an account's failures from any
#: addresses reach the limit, at most once per window: `user` (the account), `failures`.
#: The notify app tells the owner (accounts sits below notify and cannot call it).
account_under_attack = Signal()


def _throttle_key(kind: str, value: str) -> str:
    # Keyed hash: the table never holds a user name or an address in the clear.
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


@dataclass(frozen=True)
class _Keys:
    pair: str  # this account from this address
    address: str  # this address, any account
    account: str  # this account, any address
    name: str  # the normalised user name

    def known(self, user: User) -> str:
        return _throttle_key("known", f"{user.pk}:{self.address}")


def _keys(username: str, address: str) -> _Keys:
    name = username.strip().lower()
    return _Keys(
        pair=_throttle_key("pair", f"{name}\x00{address}"),
        address=_throttle_key("addr", address),
        account=_throttle_key("user", name),
        name=name,
    )


def _refuse(until: datetime | None, now: datetime) -> NoReturn:
    wait = int(((until or now) - now).total_seconds()) + 1
    raise RateLimited(
        _("登录失败次数过多，请 %(seconds)s 秒后再试") % {"seconds": wait},
        retry_after=wait,
        code="rate_limited",
    )


def _known_address(username: str, keys: _Keys, now: datetime) -> bool:
    """Did this account sign in successfully from this address recently? Its owner's
    own addresses are not slowed down by strangers guessing at the account."""
    user = User.objects.filter(username=username.strip()).only("pk").first()
    if user is None:
        return False
    since = now - timedelta(days=settings.YIWANG_LOGIN_KNOWN_ADDRESS_DAYS)
    return LoginThrottle.objects.filter(key=keys.known(user), window_started__gte=since).exists()


def _check_allowed(username: str, keys: _Keys) -> None:
    now = timezone.now()
    rows = {
        row.key: row
        for row in LoginThrottle.objects.filter(
            key__in=[keys.pair, keys.address, keys.account], locked_until__gt=now
        )
    }
    locks = [
        until for k in (keys.pair, keys.address) if k in rows and (until := rows[k].locked_until)
    ]
    if locks:
        _refuse(max(locks), now)
    account = rows.get(keys.account)
    if account is not None and not _known_address(username, keys, now):
        _refuse(account.locked_until, now)


def _account_delay(failures: int) -> timedelta:
    """Progressive: the base after the limit's failure, doubling with each one after,
    never more than the lock time."""
    over = failures - settings.YIWANG_LOGIN_MAX_FAILURES
    seconds = settings.YIWANG_LOGIN_ACCOUNT_DELAY_SECONDS * (2 ** min(over, 20))
    return timedelta(seconds=min(seconds, settings.YIWANG_LOGIN_LOCK_SECONDS))


@transaction.atomic
def _note_failure(username: str, keys: _Keys) -> None:
    now = timezone.now()
    lock = timedelta(seconds=settings.YIWANG_LOGIN_LOCK_SECONDS)
    limits = {
        keys.pair: settings.YIWANG_LOGIN_MAX_FAILURES,
        keys.address: settings.YIWANG_LOGIN_ADDRESS_MAX_FAILURES,
    }
    # Always in the same order, so two failing attempts never wait for each other crosswise.
    for key in sorted(limits):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_started": now}
        )
        if now - row.window_started > _THROTTLE_WINDOW:
            row.failures, row.window_started = 0, now
        row.failures += 1
        if row.failures >= limits[key]:
            row.locked_until = now + lock
            row.failures = 0
            row.window_started = now
        row.save()
    account, _ = LoginThrottle.objects.select_for_update().get_or_create(
        key=keys.account, defaults={"window_started": now}
    )
    # The account's window runs on while failures keep coming: a slow, many-address
    # attack does not start again from zero every 15 minutes.
    if account.last_failure_at is None or now - account.last_failure_at > _THROTTLE_WINDOW:
        account.failures, account.window_started = 0, now
    account.failures += 1
    account.last_failure_at = now
    if account.failures >= settings.YIWANG_LOGIN_MAX_FAILURES:
        account.locked_until = now + _account_delay(account.failures)
        if account.notified_at is None or now - account.notified_at > _THROTTLE_WINDOW:
            user = User.objects.filter(username=username.strip()).first()
            if user is not None:
                account.notified_at = now
                account_under_attack.send(User, user=user, failures=account.failures)
    account.save()


def sign_in(username: str, password: str, *, address: str) -> User:
    """Check credentials; failed attempts are limited so that a stranger's failures slow
    that stranger only (decision 0015). `address` is `common.http.client_address`.

    - one account from one address, and one address for any accounts:
      YIWANG_LOGIN_MAX_FAILURES (YIWANG_LOGIN_ADDRESS_MAX_FAILURES) failures within 15
      minutes refuse that pair (that address) for YIWANG_LOGIN_LOCK_SECONDS, even with the
      right password (RateLimited, HTTP 429);
    - one account from any addresses: from the YIWANG_LOGIN_MAX_FAILURES-th failure on,
      the next attempt from an address the account has not signed in from waits
      YIWANG_LOGIN_ACCOUNT_DELAY_SECONDS after the last failure, doubling per failure up
      to the lock time — a delay, never a lock-out, and none for the owner's own
      addresses; the owner is told once per window (`account_under_attack`).
    """
    keys = _keys(username, address)
    _check_allowed(username, keys)
    user = authenticate(None, username=username, password=password)
    if not isinstance(user, User):
        _note_failure(username, keys)
        raise NotAuthenticated(_("用户名或密码错误"), code="invalid_credentials")
    if user.is_demo and settings.ENV == "production":
        raise PermissionDenied(_("生产环境不允许使用演示账户"), code="demo_account_refused")
    now = timezone.now()
    with transaction.atomic():
        LoginThrottle.objects.filter(key=keys.pair).delete()
        LoginThrottle.objects.update_or_create(
            key=keys.known(user), defaults={"window_started": now, "failures": 0}
        )
        User.objects.filter(pk=user.pk).update(last_login=now)
        record("auth.sign_in", user, actor=user)
    return user


@dataclass(frozen=True)
class IssuedToken:
    raw: str
    token: ApiToken


@transaction.atomic
def issue_token(user: User, *, actor: Actor) -> IssuedToken:
    """A new bearer token; only its SHA-256 is stored, the raw value is shown once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + timedelta(hours=settings.YIWANG_TOKEN_TTL_HOURS),
    )
    record(
        "auth.token_issued",
        token,
        actor=actor,
        after={"user": user.username, "prefix": token.prefix},
    )
    return IssuedToken(raw, token)


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Actor) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    bump(ACCOUNTS_REVISION)
    record("auth.token_revoked", token, actor=actor, after={"prefix": token.prefix})


def _new_user(
    username: str, password: str, *, kind: UserKind, display_name: str, is_demo: bool
) -> User:
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("用户名 %(username)s 已被使用") % {"username": username}, code="username_taken"
        )
    user = User(username=username, kind=kind, display_name=display_name, is_demo=is_demo)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def register_citizen(
    *,
    username: str,
    password: str,
    real_name: str,
    id_number: str,
    phone: str = "",
    region: Region | None = None,
    actor: Actor,
    is_demo: bool = False,
) -> User:
    """A natural person's account, real-name: the ID number must be valid (GB 11643)."""
    # The number as checked: spaces and hyphens of its printed form dropped, X upper.
    id_number = check_id_number(id_number.strip().upper())
    if not real_name.strip():
        raise ValidationFailed(_("姓名不能为空"), code="real_name_missing")
    if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        raise ValidationFailed(_("手机号码应为 11 位数字"), code="phone_invalid")
    if Citizen.objects.filter(id_number=id_number).exists():
        raise Conflict(_("该身份号码已注册"), code="id_number_registered")
    user = _new_user(
        username, password, kind=UserKind.CITIZEN, display_name=real_name, is_demo=is_demo
    )
    citizen = Citizen.objects.create(
        user=user, real_name=real_name, id_number=id_number, phone=phone, region=region
    )
    # The audit log holds no ID or phone number in the clear.
    record("accounts.citizen_registered", citizen, actor=actor, after={"username": username})
    return user


@transaction.atomic
def register_enterprise(
    *,
    username: str,
    password: str,
    uscc: str,
    name: str,
    legal_representative: str,
    phone: str = "",
    region: Region | None = None,
    actor: Actor,
    is_demo: bool = False,
) -> User:
    """A legal person's account, identified by a valid USCC (GB 32100)."""
    uscc = uscc.strip().upper()
    check_uscc(uscc)
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise Conflict(_("该统一社会信用代码已注册"), code="uscc_registered")
    user = _new_user(
        username, password, kind=UserKind.ENTERPRISE, display_name=name, is_demo=is_demo
    )
    enterprise = Enterprise.objects.create(
        user=user,
        uscc=uscc,
        name=name,
        legal_representative=legal_representative,
        phone=phone,
        region=region,
    )
    record(
        "accounts.enterprise_registered",
        enterprise,
        actor=actor,
        after={"username": username, "uscc": uscc, "name": name},
    )
    return user


@transaction.atomic
def create_staff(
    *,
    username: str,
    password: str,
    display_name: str,
    posts: Iterable[Post],
    actor: Actor,
    is_admin: bool = False,
    is_demo: bool = False,
) -> User:
    """A staff member holding posts; a platform administrator may also use the admin site."""
    kind = UserKind.ADMIN if is_admin else UserKind.STAFF
    user = _new_user(username, password, kind=kind, display_name=display_name, is_demo=is_demo)
    if is_admin:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    post_codes = []
    for post in posts:
        StaffPost.objects.create(user=user, post=post)
        post_codes.append(post.code)
    bump(ACCOUNTS_REVISION)
    record(
        "accounts.staff_created",
        user,
        actor=actor,
        after={"username": username, "posts": post_codes, "admin": is_admin},
    )
    return user


DEMO_ACCOUNTS_FILE = Path(__file__).with_name("data") / "demo_accounts.json"


def ensure_demo_accounts(password: str, *, actor: Actor) -> list[User]:
    """Create the demo accounts of interfaces.md that do not exist yet (idempotent).

    The accounts are data (accounts/data/demo_accounts.json); refused in production.
    """
    if settings.ENV == "production":
        raise PermissionDenied(_("生产环境不允许演示账户"), code="demo_account_refused")
    entries = json.loads(DEMO_ACCOUNTS_FILE.read_text(encoding="utf-8"))["accounts"]
    existing = set(
        User.objects.filter(username__in=[e["username"] for e in entries]).values_list(
            "username", flat=True
        )
    )
    created = []
    for entry in entries:
        if entry["username"] in existing:
            continue
        created.append(_create_demo_account(entry, password, actor=actor))
    return created


def _create_demo_account(entry: dict[str, Any], password: str, *, actor: Actor) -> User:
    common: dict[str, Any] = {
        "username": entry["username"],
        "password": password,
        "actor": actor,
        "is_demo": True,
    }
    region = get_region(entry["region"]) if entry.get("region") else None
    if entry["kind"] == UserKind.CITIZEN:
        return register_citizen(
            **common,
            real_name=entry["real_name"],
            id_number=entry["id_number"],
            phone=entry.get("phone", ""),
            region=region,
        )
    if entry["kind"] == UserKind.ENTERPRISE:
        return register_enterprise(
            **common,
            uscc=entry["uscc"],
            name=entry["name"],
            legal_representative=entry["legal_representative"],
            phone=entry.get("phone", ""),
            region=region,
        )
    return create_staff(
        **common,
        display_name=entry["display_name"],
        posts=posts_by_code(entry.get("posts", [])),
        is_admin=entry["kind"] == UserKind.ADMIN,
    )
