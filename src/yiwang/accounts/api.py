"""POST /auth/login, GET /auth/me, POST /auth/logout."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from yiwang.accounts import selectors, services
from yiwang.accounts.actor import Actor, Channel, request_actor, signed_in_actor
from yiwang.accounts.models import User
from yiwang.accounts.schemas import LoginIn, LoginOut, MeOut, PostOut, UserOut
from yiwang.common.errors import NotAuthenticated
from yiwang.common.http import client_address

router = Router(tags=["auth"])

#: What login answers besides ninja's own statuses (the schema: yiwang.api.openapi).
_LOGIN_ERRORS = {
    "responses": {
        401: {"description": "用户名或密码错误（invalid_credentials）"},
        403: {"description": "生产环境不允许使用演示账户（demo_account_refused）"},
        429: {"description": "登录失败次数过多（rate_limited），Retry-After 为等待秒数"},
    }
}


def _user_out(user: User) -> UserOut:
    return UserOut(username=user.username, kind=user.kind, display_name=user.display_name)


@router.post(
    "/login",
    response=LoginOut,
    auth=None,
    summary="登录，取得令牌",
    operation_id="login",
    openapi_extra=_LOGIN_ERRORS,
)
def login(request: HttpRequest, body: LoginIn) -> LoginOut:
    user = services.sign_in(body.username, body.password, address=client_address(request))
    issued = services.issue_token(user, actor=Actor.of(user, Channel.TOKEN))
    return LoginOut(token=issued.raw, expires_at=issued.token.expires_at, user=_user_out(user))


def _current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated(code="not_authenticated")
    return user


@router.get("/me", response=MeOut, summary="当前用户、岗位与权限", operation_id="getCurrentUser")
def me(request: HttpRequest) -> MeOut:
    user = _current_user(request)
    posts = [
        PostOut(code=p.code, name=p.name, role=p.role.name, unit=p.unit.name, region=p.region.name)
        for p in selectors.posts_of(user)
    ]
    return MeOut(
        **_user_out(user).model_dump(),
        permissions=sorted(request_actor(request).permissions),
        posts=posts,
    )


@router.post("/logout", response={204: None}, summary="吊销当前令牌", operation_id="logout")
def logout(request: HttpRequest) -> Status:
    actor = signed_in_actor(request)
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    token = selectors.token_record(raw)
    if token is not None:
        services.revoke_token(token, actor=actor)
    return Status(204, None)
