"""Background tasks of the license library. Each is idempotent: running it twice does no harm.

Periodic (settings.YIWANG_PERIODIC_JOBS):
  yiwang.licenses.tasks.sign_pending_licenses   every minute: sign up to
      `jobs.PERIODIC_LIMIT` not-yet-signed licenses (a bulk import's, whatever its
      command did not sign: `--no-sign`, or a crash). Cheap when there is nothing to do:
      one query on the partial index of unsigned rows.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from yiwang.accounts.actor import Actor
from yiwang.licenses.jobs import PERIODIC_LIMIT, sign_pending


@task()
def sign_pending_licenses(limit: int = PERIODIC_LIMIT) -> dict[str, Any]:
    return sign_pending(actor=Actor.system("licenses-sign"), limit=limit).as_dict()
