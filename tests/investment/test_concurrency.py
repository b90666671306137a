"""Project codes under concurrent registration, with real threads and transactions:
on PostgreSQL the counter row's upsert serialises the registrations of one key."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.investment.conftest import project_fields
from tests.racing import race
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.investment import services
from yiwang.investment.models import Project, ProjectCodeCounter

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="SQLite's IMMEDIATE transactions serialise every writer already",
    ),
]

N = 8


def test_concurrent_registrations_of_one_key_get_unique_consecutive_codes(
    rules: dict[str, Any],
) -> None:
    assert connection.vendor == "postgresql"
    enterprise = User.objects.get(username="enterprise")

    def register(i: int, _client: Client) -> str:
        return services.register_project(
            **project_fields(name=f"并发项目 {i}"), file=True, actor=Actor.of(enterprise)
        ).code

    made = race(N, register)
    assert all(isinstance(code, str) for code in made), made
    serials = sorted(int(code.rsplit("-", 1)[1]) for code in made)
    assert serials == list(range(1, N + 1))
    assert Project.objects.filter(code__in=made).count() == N
    assert ProjectCodeCounter.objects.get(region_code="220102", industry="65").last == N
