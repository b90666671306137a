"""Who is asking: one `Actor` per request, and one `restrict()` for every scoped read.

The actor is built once — by `ActorMiddleware` for a web request (session or kiosk), by
the API's bearer-token auth for a token, by `Actor.system(reason)` for the platform
acting by itself (sweeps, seeds, automatic decisions) — and handed to every selector
and service. It carries the account, the posts (reduced to what access needs), the
named permissions (common.permissions) and the region scope.

`restrict(queryset, actor, permission)` (NetBox's RestrictedQuerySet idea) filters a
queryset to what the actor may see with that permission; each app contributes only
the scope rule of its model(s), with `@scope_rule(Model)` next to its selectors.

One rule for a post's reach (docs/decisions/0008-actor-and-scope.md): a permission is
exercised through the posts that grant it, in the post's unit; a post whose role has
scope ``region_below`` exercises it over the post's region and every region below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import User
from yiwang.accounts.selectors import posts_of
from yiwang.common.errors import NotAuthenticated, PermissionDenied
from yiwang.common.permissions import Permission
from yiwang.org.choices import RoleScope

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from yiwang.org.models import Post


class Channel(StrEnum):
    """How the actor reached us (the audit log names the account, not the channel)."""

    SESSION = "session"  # the web portal, signed in with a password
    TOKEN = "token"  # noqa: S105 - the API, with a bearer token (a channel, not a secret)
    KIOSK = "kiosk"  # the hall's self-service terminal
    SYSTEM = "system"  # the platform acting by itself
    DIRECT = "direct"  # code holding an account: management commands, the shell, tests
    ANONYMOUS = "anonymous"  # nobody signed in


@dataclass(frozen=True)
class PostGrant:
    """One post of a staff member, reduced to what access needs (a frozen snapshot:
    nothing of a shared ORM instance reaches a request)."""

    code: str
    unit_name: str
    hall_id: int | None
    department_id: int | None
    department_code: str
    region_id: str
    region_path: str
    region_level: str
    permissions: frozenset[str]
    scope: str

    def grants(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def reaches_below(self) -> bool:
        """Whether the post acts over its region and every region below (supervision)."""
        return self.scope == RoleScope.REGION_BELOW

    @classmethod
    def of(cls, post: Post) -> PostGrant:
        department = post.department
        return cls(
            code=post.code,
            unit_name=post.unit.name,
            hall_id=post.hall_id,
            department_id=post.department_id,
            department_code=department.code if department is not None else "",
            region_id=post.region.code,
            region_path=post.region.path,
            region_level=post.region.level,
            permissions=frozenset(post.role.permissions),
            scope=post.role.scope,
        )


@dataclass(frozen=True)
class Actor:
    """Who acts: an account through a channel, or the system (see the module docstring)."""

    kind: Channel
    user: User | None = None
    #: The audit log's actor text: the username, or the system actor's reason.
    label: str = ""
    posts: tuple[PostGrant, ...] = ()
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    # --- construction -----------------------------------------------------------

    @classmethod
    def system(cls, reason: str = "system") -> Actor:
        """The platform acting by itself; `reason` is what the audit log records
        (e.g. "seed", "sweep", "credit-sweep"), as the string actors did before."""
        if not reason:
            raise ValueError("a system actor needs a reason")
        return cls(Channel.SYSTEM, None, reason)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(Channel.ANONYMOUS, None, "anonymous")

    @classmethod
    def of(cls, user: Any, channel: Channel = Channel.DIRECT) -> Actor:
        """The actor of an account (None or an anonymous user: `anonymous()`). One
        posts lookup (accounts.selectors.posts_of, per-process cached)."""
        if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
            return cls.anonymous()
        posts = tuple(PostGrant.of(post) for post in posts_of(user))
        if user.kind == UserKind.ADMIN and user.is_superuser:
            granted = frozenset(Permission)
        else:
            known = Permission._value2member_map_
            granted = frozenset(
                Permission(p) for post in posts for p in post.permissions if p in known
            )
        return cls(channel, user, user.username, posts, granted)

    # --- what it is -------------------------------------------------------------

    @property
    def is_system(self) -> bool:
        return self.kind == Channel.SYSTEM

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def pk(self) -> int | None:
        """The account's id (None for the system and the anonymous)."""
        return self.user.pk if self.user is not None else None

    @property
    def account(self) -> User:
        """The account acting, for what only a person does (a notice's issuer, an
        idempotency key's owner); PermissionDenied for the system or nobody."""
        if self.user is None:
            raise PermissionDenied(_("请先登录"), code="sign_in_required")
        return self.user

    @property
    def is_applicant(self) -> bool:
        return self.user is not None and self.user.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE)

    @property
    def platform(self) -> bool:
        """The platform administrator: reads everything."""
        return Permission.PLATFORM_ADMIN in self.permissions

    @property
    def is_staff(self) -> bool:
        """Staff: holds a post, or administers the platform."""
        return bool(self.posts) or self.platform

    @property
    def audit_identity(self) -> tuple[int | None, str]:
        """(account id, actor text) for common.audit: the username, or the reason."""
        return self.pk, self.label

    @property
    def display_label(self) -> str:
        """The name shown on a record the actor made (a list decision's 'by')."""
        if self.user is not None:
            return self.user.display_name or self.user.username
        return self.label

    # --- what it may do ---------------------------------------------------------

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    def posts_with(self, permission: Permission) -> list[PostGrant]:
        return [p for p in self.posts if p.grants(permission)]

    def paths_below(self, permission: Permission) -> list[str]:
        """Region paths over which the actor holds `permission` for everything at and
        below (posts of role scope ``region_below`` granting it)."""
        return [p.region_path for p in self.posts if p.reaches_below and p.grants(permission)]

    def __str__(self) -> str:
        return self.label


def permissions_of(user: User) -> set[Permission]:
    """The named permissions the account holds through its posts (accounts.actor)."""
    # Fresh, not the actor cached on this account object: a test or a shell session
    # that changes the posts asks again with the same object.
    return set(Actor.of(user).permissions)


def has_permission(user: User, permission: Permission) -> bool:
    return permission in permissions_of(user)


def supervised_region_paths(user: User) -> list[str]:
    """Region paths under which a supervisor sees everything: the regions of the posts
    that grant SUPERVISION_VIEW with scope ``region_below`` (the one reach rule of
    accounts.actor)."""
    return Actor.of(user).paths_below(Permission.SUPERVISION_VIEW)


#: The platform acting by itself, when nothing names a more specific reason.
SYSTEM = Actor.system("system")


def as_actor(value: Actor | User | Any) -> Actor:
    """The actor a service or selector was given. An account (from a management
    command, the shell or a test) becomes a direct actor; a string or None is refused:
    the system acts as `Actor.system(reason)`, never as a bare name."""
    if isinstance(value, Actor):
        return value
    if isinstance(value, User) or getattr(value, "is_anonymous", False):
        return _cached_direct(value)
    raise TypeError(f"an Actor is required, not {type(value).__name__}")


_DIRECT_ATTR = "_yiwang_actor"


def _cached_direct(user: Any) -> Actor:
    # Built once per account object (a request's user, a test's user), as the cases
    # app's viewer was: repeated selector calls do not rebuild the posts.
    cached = getattr(user, _DIRECT_ATTR, None)
    if cached is None:
        cached = Actor.of(user)
        setattr(user, _DIRECT_ATTR, cached)
    return cached


# --- the request's actor ------------------------------------------------------------


def actor_for_request(request: HttpRequest) -> Actor:
    """The actor of a web request, built once and kept on the request: the token's
    when the API's auth set one, else the session's account — through the kiosk on a
    kiosk page. Built again only if the request's account changed (a sign-in)."""
    cached = request.__dict__.get("_actor")
    user = getattr(request, "user", None)
    if isinstance(cached, Actor) and (
        cached.kind == Channel.TOKEN or cached.pk == getattr(user, "pk", None)
    ):
        return cached
    channel = Channel.KIOSK if request.path.startswith("/kiosk/") else Channel.SESSION
    actor = Actor.of(user, channel)
    request.__dict__["_actor"] = actor
    return actor


def request_actor(request: HttpRequest) -> Actor:
    """The request's actor (`ActorMiddleware`, or the API's token auth)."""
    return actor_for_request(request)


def signed_in_actor(request: HttpRequest) -> Actor:
    """The request's actor, who must be signed in (NotAuthenticated, 401, otherwise)."""
    actor = actor_for_request(request)
    if not actor.is_authenticated:
        raise NotAuthenticated(code="not_authenticated")
    return actor


def set_request_actor(request: HttpRequest, actor: Actor) -> None:
    """For an authentication step that knows better than the session (the API's
    bearer token): this actor is the request's from now on."""
    request.__dict__["_actor"] = actor
    request.actor = actor  # type: ignore[attr-defined]


class ActorMiddleware:
    """`request.actor`, built on first use (a public page that never asks costs
    nothing). After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: actor_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)


# --- one restrict(), each app's scope rule ------------------------------------------

M = TypeVar("M", bound=Model)

#: A scope rule: the filter of the rows `actor` may see with `permission`; None means
#: every row. It is asked only for non-system actors.
ScopeRule = Callable[[Actor, Permission], Q | None]

_rules: dict[type[Model], ScopeRule] = {}


def scope_rule(model: type[Model]) -> Callable[[ScopeRule], ScopeRule]:
    """Register the scope rule of `model` (one per model; next to the app's selectors)."""

    def register(rule: ScopeRule) -> ScopeRule:
        if model in _rules and _rules[model] is not rule:
            raise ImproperlyConfigured(f"{model.__name__} already has a scope rule")
        _rules[model] = rule
        return rule

    return register


NOTHING = Q(pk__in=[])


def restrict(
    queryset: QuerySet[M], actor: Actor | User | Any, permission: Permission
) -> QuerySet[M]:
    """The rows of `queryset` that `actor` may see with `permission`.

    The system actor sees every row; anyone else what the model's scope rule allows —
    nothing when the rule gives nothing. A model without a rule is a programming error
    (ImproperlyConfigured), never "everything"."""
    actor = as_actor(actor)
    if actor.is_system:
        return queryset
    rule = _rules.get(queryset.model)
    if rule is None:
        raise ImproperlyConfigured(
            f"no scope rule for {queryset.model.__name__}: register one with @scope_rule"
        )
    condition = rule(actor, permission)
    return queryset if condition is None else queryset.filter(condition)
