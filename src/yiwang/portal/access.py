"""Who may open which area of the portal.

- the public pages: anyone;
- the citizen/enterprise centre: signed-in applicants (自然人、法人);
- the staff workbench: signed-in people who hold a post through which they see cases
  (the request's actor, accounts.actor, says), or the platform administrator.

Anonymous visitors are sent to the login page; a signed-in person in the wrong area
gets a 403 page that says where to go instead. Which *case* someone may see is the
cases selectors' business (404 outside their scope), not this module's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from yiwang.accounts.actor import Actor, as_actor, request_actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import User
from yiwang.portal.errors import error_page

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
APPLICANT_KINDS = frozenset({UserKind.CITIZEN, UserKind.ENTERPRISE})


def current_user(request: HttpRequest) -> User:
    """The signed-in user (the decorators below guarantee one)."""
    user = request.user
    assert isinstance(user, User)
    return user


def current_actor(request: HttpRequest) -> Actor:
    """The signed-in person's actor, built once per request (accounts.actor)."""
    actor = request_actor(request)
    assert actor.is_authenticated
    return actor


def is_applicant(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.kind in APPLICANT_KINDS


def is_case_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and as_actor(user).is_staff


def applicant_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_applicant(request.user):
            return error_page(
                request,
                _("办事中心供自然人和法人用户使用。工作人员请进入工作台办理办件。"),
                status=403,
            )
        return view(request, *args, **kwargs)

    return cast(View, never_cache(login_required(wrapper)))


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request_actor(request).is_staff:
            return error_page(
                request,
                _("工作台仅供政务服务工作人员使用。群众和企业请在“我的办件”中查看办理进度。"),
                status=403,
            )
        return view(request, *args, **kwargs)

    return cast(View, never_cache(login_required(wrapper)))


def signed_in_required(view: View) -> View:
    return cast(View, never_cache(login_required(view)))
