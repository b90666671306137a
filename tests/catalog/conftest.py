"""Fixtures of the catalog tests: the org data and the demo catalog, loaded by the same
services the seed uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import seeding
from yiwang.accounts.actor import Actor
from yiwang.catalog.services import DEFAULT_DATA_FILE


@seeding.step("catalog", after=("jilin",))
def _seed_catalog() -> None:
    from yiwang.catalog.services import load_catalog_data

    load_catalog_data(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("catalog")
def catalog(jilin: None) -> None:
    seeding.ensure("catalog")


@pytest.fixture
def catalog_data() -> dict[str, Any]:
    """A fresh copy of the demo catalog file's content, to change in a test."""
    return dict(json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8")))


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / "items.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    return write


def item_in(data: dict[str, Any], code: str) -> dict[str, Any]:
    """The item with this code in a catalog file's content."""
    return next(i for i in data["items"] if i["code"] == code)
