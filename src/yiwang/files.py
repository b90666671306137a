"""Files the platform generates for itself once (the demo's secret key, the license
master key, the audit signing key): written whole, owner-readable, never half-seen."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def create_whole(path: Path, content: str) -> None:
    """Create `path` holding `content`, mode 0600, atomically.

    Written under a private name and linked into place: a process racing the first writer
    (two demo processes starting on a fresh data dir, two sealers) sees no file or the
    whole content, never an empty one. Raises FileExistsError if the file exists (the other
    process came first; its content stands).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)
    finally:
        os.unlink(temporary)


def read_or_create(path: Path, make: str) -> str:
    """The content of `path`, created with `make` first if it does not exist yet."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first
            create_whole(path, make)
    return path.read_text(encoding="utf-8").strip()
