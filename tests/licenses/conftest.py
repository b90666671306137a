"""Fixtures of the license tests: the cases world (org, demo accounts, calendar, catalog)
plus the license types and the demo licenses, seeded once per group."""

from __future__ import annotations

from typing import Any

import pytest

from tests import seeding
from tests.cases.conftest import api, calendar, frozen, world  # noqa: F401
from yiwang.accounts.actor import Actor


@seeding.step("licenses.types", after=("cases.world",))
def _seed_types() -> None:
    from yiwang.licenses.services import load_license_types, load_proof_types

    load_license_types(actor=Actor.system("test"))
    load_proof_types(actor=Actor.system("test"))  # the online proofs' types


@seeding.step("licenses.demo", after=("licenses.types",))
def _seed_demo() -> None:
    from yiwang.licenses.demo import seed_demo_licenses

    seed_demo_licenses(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("licenses.types")
def license_types(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    seeding.ensure("licenses.types")
    return world


@pytest.fixture
@seeding.provides("licenses.demo")
def demo_licenses(license_types: dict[str, Any]) -> dict[str, Any]:
    """The demo accounts with their demo licenses."""
    seeding.ensure("licenses.demo")
    return license_types
