"""The public ranking page renders its chart (issue 12, "What must hold"): two published
months of the departments, a corrected revision, the bars and the trend lines drawn by
the vendored ECharts; the screenshot is kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _publish_two_months() -> int:
    from yiwang.accounts.actor import Actor
    from yiwang.catalog.models import ServiceItem
    from yiwang.supervision import rankings
    from yiwang.supervision.models import StatsDaily

    items = {i.department_id: i for i in ServiceItem.objects.select_related("department")}
    for n, item in enumerate(items.values()):
        for month, late in ((date(2026, 10, 12), 3 + n % 4), (date(2026, 11, 16), n % 5)):
            StatsDaily.objects.create(
                day=month,
                region_id=item.department.region_id,
                department_id=item.department_id,
                item_id=item.pk,
                channel="online",
                accepted=40,
                online=30 + n % 10,
                star5=20,
                completed=40,
                on_time=40 - late,
                used_days=80 + 7 * n,
                promised_days=400,
                rated=30,
                score5=24 - n % 6,
                score4=4,
                score1=2 + n % 6,
            )
    system = Actor.system("test")
    rankings.publish_ranking(date(2026, 10, 1), "department", actor=system)
    rankings.publish_ranking(date(2026, 11, 1), "department", actor=system)
    rankings.revise_ranking(date(2026, 11, 1), "department", reason="数据复核更正", actor=system)
    return len(items)


def test_the_public_ranking_page_draws_its_chart(
    page: Any, approval_data: dict[str, Any], shot: Any
) -> None:
    units = _publish_two_months()
    page.goto(page.base_url + "/public/rankings/")  # anonymous: public
    main = page.locator("main")
    assert "2026 年 11 月排名" in main.inner_text()
    assert "第 2 版（更正）" in main.inner_text()
    assert "更正原因：数据复核更正" in main.inner_text()
    page.wait_for_selector("#chart-ranking[data-rendered='true'] canvas")
    page.wait_for_selector("#chart-ranking-trend[data-rendered='true'] canvas")
    rows = page.locator("table.case-table tbody tr")
    assert rows.count() == units
    assert rows.first.locator("td").first.inner_text().strip() == "1"
    assert "上月第" in rows.first.inner_text()
    # the bars were drawn: the canvas is not blank
    painted = page.evaluate(
        """() => { const c = document.querySelector('#chart-ranking canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""
    )
    assert painted > 1000
    shot(page, "november")
    page.get_by_role("link", name="第 1 版").click()
    page.wait_for_url("**revision=1")
    assert "第 2 版（更正）" not in page.locator("h2#ranking-title").inner_text()
    page.get_by_label("月份").select_option("2026-10")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**month=2026-10")
    assert "2026 年 10 月排名" in page.locator("main").inner_text()
