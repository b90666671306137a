"""Periodic jobs: due runs are claimed once, whoever asks, and enqueued as tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from yiwang.accounts.actor import Actor
from yiwang.common.audit import record
from yiwang.common.models import AuditEvent, PeriodicJobState
from yiwang.common.scheduler import configured_jobs, enqueue_due

pytestmark = pytest.mark.django_db


def test_the_configured_jobs_are_the_audit_sealer_and_the_calendar_check() -> None:
    assert {job.name for job in configured_jobs()} >= {
        "seal-audit-chain",
        "check-next-year-calendar",
    }


def test_a_due_job_is_enqueued_once_until_its_interval_passes() -> None:
    now = timezone.now()
    first = enqueue_due(now)
    assert set(first) == {job.name for job in configured_jobs()}
    assert enqueue_due(now) == []  # a second scheduler at the same moment gets nothing
    assert enqueue_due(now + timedelta(seconds=11)) == ["seal-audit-chain"]
    state = PeriodicJobState.objects.get(name="seal-audit-chain")
    assert state.next_run_at == now + timedelta(seconds=21)


def test_the_sealing_job_really_runs(settings: Any) -> None:
    # Tests use the immediate task backend: enqueueing runs the task in place.
    record("test.x", object_type="t", object_id="1", actor=Actor.system("tester"))
    assert AuditEvent.objects.filter(chain_seq__isnull=True).count() == 1
    enqueue_due()
    assert AuditEvent.objects.filter(chain_seq__isnull=True).count() == 0
