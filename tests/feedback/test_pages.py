"""The 好差评 pages: the centre's rating form and the rating shown after; the kiosk's
rating step; the unit's and the supervisor's rectification pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import CaseApi, FrozenClock
from tests.feedback.conftest import completed_endorsement
from yiwang.feedback.models import Evaluation, Rectification

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password="yiwang-demo-2026")
    return client


def test_the_citizen_rates_in_the_centre_and_sees_the_rating(
    api: CaseApi, nanguan_case: str
) -> None:
    citizen = _signed_in("citizen")
    page = citizen.get(f"/centre/cases/{nanguan_case}/").content.decode()
    assert "评价本次服务（好差评）" in page
    done = citizen.post(
        f"/centre/cases/{nanguan_case}/evaluation/",
        {"score": "1", "indicators": ["timeliness"], "comment": "太慢"},
    )
    assert done.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.score, evaluation.channel) == (1, "web")
    page = citizen.get(f"/centre/cases/{nanguan_case}/").content.decode()
    assert "我的评价" in page
    assert "非常不满意" in page
    assert "评价本次服务（好差评）" not in page
    assert "您的意见已转责任单位整改" in page


def test_the_kiosk_offers_the_rating_step_after_a_completed_case(
    api: CaseApi, frozen: FrozenClock
) -> None:
    case_no = completed_endorsement(api, frozen)
    citizen = _signed_in("citizen")
    page = citizen.get(f"/kiosk/result/{case_no}/").content.decode()
    assert "评价本次服务（好差评）" in page
    citizen.post(f"/kiosk/result/{case_no}/rate/", {"score": "5"})
    assert Evaluation.objects.get().channel == "kiosk"


def test_the_unit_and_the_supervisor_work_the_task_through_the_pages(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    api.client.post(
        f"/api/v1/cases/{nanguan_case}/evaluation",
        {"score": 2, "comment": "态度差"},
        content_type="application/json",
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    task = Rectification.objects.get()
    unit = _signed_in("reviewer-nanguan")
    listing = unit.get("/rectifications/").content.decode()
    assert nanguan_case in listing
    assert unit.get("/rectifications/?status=open", HTTP_HX_REQUEST="true").status_code == 200
    unit.post(
        f"/rectifications/{task.pk}/actions/",
        {"action": "answer", "comment": "已约谈窗口人员", "version": task.version},
    )
    unit.post(
        f"/rectifications/{task.pk}/call-backs/",
        {"called_at": "2026-09-15T10:00", "outcome": "申请人认可", "satisfied": "on"},
    )
    task.refresh_from_db()
    assert task.status == "answered"
    assert task.call_backs.count() == 1
    supervisor = _signed_in("supervisor-jilin")
    page = supervisor.get(f"/rectifications/{task.pk}/").content.decode()
    assert 'data-action="accept"' in page
    supervisor.post(f"/rectifications/{task.pk}/actions/", {"action": "accept", "comment": ""})
    task.refresh_from_db()
    assert task.status == "closed"
    # Outside the scope the task does not exist.
    assert (
        _signed_in("reviewer-jilin-transport").get(f"/rectifications/{task.pk}/").status_code == 404
    )
