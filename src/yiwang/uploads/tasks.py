"""Background tasks of uploads. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

from django_tasks import task

from yiwang.uploads.services import delete_expired_uploads, delete_orphan_files


@task()
def sweep_orphan_files() -> dict[str, int]:
    """Delete stored files that no upload refers to (`services.delete_orphan_files`), and
    uploads no case refers to past their age (`services.delete_expired_uploads`)."""
    expired = delete_expired_uploads()
    return {"deleted": delete_orphan_files(), "expired": expired}
