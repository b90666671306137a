"""The province supervisor drills from the province down to an overdue case in 南关区
(issue 12: the monitor's browser test); the screenshots are kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _overdue_case_in_nanguan() -> str:
    from yiwang.accounts.models import User
    from yiwang.cases.choices import CaseStatus
    from yiwang.cases.clock import today
    from yiwang.cases.models import Case
    from yiwang.catalog.models import ServiceItem

    item = ServiceItem.objects.select_related("department").get(code="220102-ZJ-XK-001")
    due: date = today() - timedelta(days=7)
    at = datetime.combine(due - timedelta(days=10), datetime.min.time(), ZoneInfo("Asia/Shanghai"))
    case = Case.objects.create(
        case_no="BROWSER000001",
        item=item,
        applicant=User.objects.get(username="citizen"),
        channel="online",
        status=CaseStatus.IN_REVIEW,
        department=item.department,
        region_id=item.department.region_id,
        hall_id=item.department.hall_id,
        submitted_at=at,
        arrived_on=at.date(),
        accepted_on=at.date(),
        promised_limit_days=5,
        legal_limit_days=20,
        promised_deadline=due,
        legal_deadline=due + timedelta(days=30),
        due_on=due,
        query_code_digest="0" * 64,
    )
    return case.case_no


def test_the_province_supervisor_drills_down_to_an_overdue_case_in_nanguan(
    page: Any, approval_data: dict[str, Any], shot: Any
) -> None:
    case_no = _overdue_case_in_nanguan()
    page.goto(page.base_url + "/login/")
    page.get_by_label("用户名").fill("supervisor-jilin")
    page.get_by_label("密码").fill("yiwang-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/")
    page.goto(page.base_url + "/supervision/")
    assert "吉林省" in page.inner_text("#monitor")
    shot(page, "province")
    page.locator("#monitor").get_by_role("link", name="长春市", exact=True).click()
    page.wait_for_url("**/supervision/?region=220100")
    page.locator("#monitor").get_by_role("link", name="南关区", exact=True).click()
    page.wait_for_url("**/supervision/?region=220102")
    shot(page, "county")
    page.locator("#monitor").get_by_role("link", name="长春市南关区政务服务中心").click()
    page.wait_for_url("**hall=hall-220102")
    page.locator("#children-title + div").get_by_role(
        "link", name="长春市南关区住房和城乡建设局"
    ).click()
    page.wait_for_url("**department=220102-housing")
    text = page.inner_text("#monitor")
    assert case_no in text
    assert "红牌：已超期" in text
    assert "张*" in text
    assert "张三" not in text
    shot(page, "department")
    page.get_by_role("link", name=case_no).click()
    page.wait_for_url(f"**/workbench/cases/{case_no}/")
    assert case_no in page.inner_text("main")
    shot(page, "case")
    # the statistics page draws its four charts (portal/charts.js + stats-charts.js)
    page.goto(page.base_url + "/supervision/statistics/")
    for chart in ("chart-trend", "chart-units", "chart-stars", "chart-scores"):
        page.wait_for_selector(f"#{chart}[data-rendered='true'] canvas")
    shot(page, "statistics")
