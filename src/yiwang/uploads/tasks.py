"""Background tasks of uploads. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

from django_tasks import task

from yiwang.uploads.services import delete_orphan_files


@task()
def sweep_orphan_files() -> dict[str, int]:
    """Delete stored files that no upload refers to (see `services.delete_orphan_files`)."""
    return {"deleted": delete_orphan_files()}
