from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Default storage under this test's own directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())
