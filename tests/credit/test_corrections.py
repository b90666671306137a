"""A correction keeps the version it replaces, the same way for a department's disclosure
(信息更正) and an enterprise's annual report (年报修改): one helper,
`credit.services._base.correct_with_revision`. Every term of it, for both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.credit.conftest import MakeEnterprise, report_data
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.credit import services
from yiwang.org.models import Department

pytestmark = pytest.mark.usefixtures("calendar")

LICENSE = {
    "kind": "license",
    "title": "食品经营许可证",
    "document_no": "JY12201020002",
    "legal_basis": "《中华人民共和国食品安全法》",
    "decided_on": "2026-03-02",
    "valid_from": "2026-03-02",
    "valid_to": "2031-03-01",
}


def _disclosure(e: Any, users: dict[str, Any]) -> tuple[Any, Any, Callable[..., Any], str]:
    actor = users["publisher-jilin-market"]
    department = Department.objects.get(code="220000-market-regulation")
    record = services.publish_disclosure(
        e, LICENSE, department=department, actor=actor, today=date(2026, 9, 1)
    )
    return record, actor, services.correct_disclosure, "credit.disclosure_corrected"


def _report(e: Any, users: dict[str, Any]) -> tuple[Any, Any, Callable[..., Any], str]:
    actor = users["enterprise"]
    record = services.file_annual_report(
        e, 2025, report_data(), actor=actor, today=date(2026, 3, 1)
    )
    return record, actor, services.correct_annual_report, "credit.annual_report_corrected"


CASES = {
    # kind: (make the record, a change, the field and its old and new value as kept)
    "disclosure": (_disclosure, {"title": "食品经营许可证（延续）"}, "title"),
    "report": (_report, {"employees": 15}, "employees"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_correction_is_the_next_version_with_the_old_one_kept(
    kind: str, make_enterprise: MakeEnterprise, demo_users: dict[str, Any], jilin: None
) -> None:
    make, change, field = CASES[kind]
    record, actor, correct, event = make(make_enterprise(), demo_users)
    old_value = getattr(record, field)
    corrected = correct(record, change, reason="  录入有误 ", actor=actor)

    corrected.refresh_from_db()
    assert corrected.version == 2
    assert getattr(corrected, field) == change[field]
    [kept] = corrected.revisions.all()
    assert (kept.version, kept.data[field], kept.reason, kept.changed_by) == (
        1,
        old_value,
        "录入有误",  # the reason as stated, trimmed
        actor,
    )
    audit = AuditEvent.objects.get(action=event)
    assert audit.object_id == str(corrected.pk)
    assert audit.before[field] == old_value
    assert (audit.after[field], audit.after["version"], audit.after["reason"]) == (
        change[field],
        2,
        "录入有误",
    )
    if kind == "disclosure":
        assert corrected.corrected_at is not None
    else:
        assert not hasattr(corrected, "corrected_at")
        assert corrected.filed_on == date(2026, 3, 1)  # the first filing's date stays


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_correction_that_changes_nothing_is_refused_and_writes_nothing(
    kind: str, make_enterprise: MakeEnterprise, demo_users: dict[str, Any], jilin: None
) -> None:
    make, _change, field = CASES[kind]
    record, actor, correct, event = make(make_enterprise(), demo_users)
    same = {field: getattr(record, field)}
    with pytest.raises(ValidationFailed, match="相同") as refused:
        correct(record, same, reason="再改", actor=actor)
    assert refused.value.extra.get("field") == "data"
    record.refresh_from_db()
    assert record.version == 1
    assert record.revisions.count() == 0
    assert not AuditEvent.objects.filter(action=event).exists()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_correction_needs_a_reason(
    kind: str, make_enterprise: MakeEnterprise, demo_users: dict[str, Any], jilin: None
) -> None:
    make, change, _field = CASES[kind]
    record, actor, correct, _ = make(make_enterprise(), demo_users)
    with pytest.raises(ValidationFailed, match="理由"):
        correct(record, change, reason=" ", actor=actor)
    record.refresh_from_db()
    assert (record.version, record.revisions.count()) == (1, 0)
