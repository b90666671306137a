"""The notify app's answers to other apps' signals (apps below it cannot call it)."""

from __future__ import annotations

from typing import Any

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.notify.services import notify

#: The login throttle, as the audit log names it.
LOGIN_THROTTLE = Actor.system("login-throttle")


def tell_owner_of_login_attack(sender: Any, *, user: User, failures: int, **kwargs: Any) -> None:
    """accounts.services.account_under_attack: the owner learns that someone is guessing
    their password (decision 0015) — in the inbox and on every external channel."""
    notify(
        user,
        subject="您的账户正在被他人尝试登录",
        body=(
            f"您的账户 {user.username} 近期已有 {failures} 次密码错误的登录尝试。"
            "其他地址的登录已被延迟；您在常用地址登录不受影响。"
            "如果不是您本人操作，请尽快修改密码。"
        ),
        object_type="accounts.user",
        object_id=str(user.pk),
        actor=LOGIN_THROTTLE,
    )
