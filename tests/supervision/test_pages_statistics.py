"""The statistics pages: headline, tables, chart data in a json_script tag, the vendored
ECharts with its licence, downloads; supervisors only, within their regions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import yiwang.portal
from tests.cases.conftest import FrozenClock
from yiwang.accounts.models import StaffPost, User
from yiwang.org.models import Post

pytestmark = pytest.mark.django_db
URL = "/supervision/statistics/"


@pytest.fixture
def history(people: Any, frozen: FrozenClock) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(200, years=1, seed=31, batch_size=200, progress=False)


def test_the_province_page_has_the_headline_tables_and_chart_data(
    client: Any, history: None
) -> None:
    client.force_login(User.objects.get(username="supervisor-jilin"))
    response = client.get(URL, {"by": "region", "period": "month"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "吉林省 · 效能统计" in html
    assert "比法定时限缩短" in html
    assert "portal/vendor/echarts/echarts.min.js" in html
    found = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert sum(data["accepted"]) == response.context["total"]["accepted"] > 0
    assert "长春市" in data["units"]
    assert 'href="?region=220100' in html  # drill down to the city
    assert "/supervision/statistics/export.csv?" in html
    city = client.get(URL, {"region": "220100", "by": "department", "period": "year"})
    assert city.status_code == 200
    assert "长春市 · 效能统计" in city.content.decode()


def test_downloads_and_refusals(client: Any, history: None) -> None:
    client.force_login(User.objects.get(username="supervisor-jilin"))
    csv = client.get("/supervision/statistics/export.csv", {"by": "item", "period": "year"})
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).decode("utf-8-sig").startswith("统计周期,")
    xlsx = client.get("/supervision/statistics/export.xlsx")
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert client.get("/supervision/statistics/export.pdf").status_code == 404
    assert client.get(URL, {"period": "week"}).status_code == 422
    assert client.get(URL, {"from": "2026-13-01"}).status_code == 422
    user = User.objects.create(username="supervisor-test-cc", kind="staff", display_name="长春监察")
    StaffPost.objects.create(user=user, post=Post.objects.get(code="220100-supervisor"))
    client.force_login(user)
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"region": "220000"}).status_code == 404
    client.force_login(User.objects.get(username="citizen"))
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_echarts_is_vendored_with_its_licence() -> None:
    folder = Path(yiwang.portal.__file__).parent / "static" / "portal" / "vendor" / "echarts"
    assert (folder / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "Apache ECharts" in (folder / "NOTICE").read_text()
