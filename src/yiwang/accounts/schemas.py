from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class LoginIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class UserOut(Schema):
    username: str
    kind: str
    display_name: str


class LoginOut(Schema):
    token: str
    expires_at: datetime
    user: UserOut


class PostOut(Schema):
    code: str
    name: str
    role: str
    unit: str
    region: str


class MeOut(UserOut):
    permissions: list[str]
    posts: list[PostOut]
