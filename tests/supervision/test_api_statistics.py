"""GET /supervision/statistics: JSON, streamed CSV and Excel; supervisors only, within
their regions (issue 12 API list)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from tests.cases.conftest import FrozenClock
from tests.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(people: Any, frozen: FrozenClock) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(200, years=1, seed=21, batch_size=200, progress=False)


def _get(client: Any, token: str, **params: Any) -> Any:
    return client.get(
        "/api/v1/supervision/statistics", params, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_province_supervisor_gets_the_figures_by_city(
    client: Any, api_login: Any, history: None
) -> None:
    token = api_login("supervisor-jilin")
    body = _get(client, token, by="region", period="year").json()
    assert body["region"] == "220000"
    assert {r["key"] for r in body["rows"]} <= {"220000", "220100", "222400"}
    assert sum(r["figures"]["accepted"] for r in body["rows"]) == body["total"]["accepted"] > 0
    assert 0 < body["total"]["avg_workdays"] < 20
    months = _get(
        client, token, by="department", period="month", **{"from": "2026-01-01", "to": "2026-06-30"}
    )
    assert months.status_code == 200
    assert all("2026-01" <= r["period"] <= "2026-06" for r in months.json()["rows"])


def test_csv_is_streamed_with_chinese_headers_and_the_same_figures(
    client: Any, api_login: Any, history: None
) -> None:
    token = api_login("supervisor-jilin")
    as_json = _get(client, token, by="item", period="quarter").json()
    response = _get(client, token, by="item", period="quarter", format="csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["统计周期", "编码", "名称", "受理件数", "办结件数"]
    assert rows[-1][0] == "合计"
    assert int(rows[-1][3]) == as_json["total"]["accepted"]
    assert len(rows) == len(as_json["rows"]) + 2


def test_xlsx_is_a_workbook(client: Any, api_login: Any, history: None) -> None:
    token = api_login("supervisor-jilin")
    response = _get(client, token, by="region", period="month", format="xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = zipfile.ZipFile(io.BytesIO(data))
    sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # constant_memory writes strings inline: headers and rows are in the sheet itself
    assert "受理件数" in sheet
    rows = len(_get(client, token, by="region", period="month").json()["rows"])
    assert sheet.count("<row ") == rows + 2  # the header and the total


def test_others_are_refused_and_bad_input_is_422(
    client: Any, api_login: Any, history: None
) -> None:
    assert_problem(_get(client, api_login("citizen")), 403, "not_a_supervisor")
    assert_problem(_get(client, api_login("clerk-nanguan")), 403, "not_a_supervisor")
    token = api_login("supervisor-jilin")
    assert_problem(_get(client, token, by="staff"), 422, "bad_statistics_by")
    assert_problem(_get(client, token, period="week"), 422, "bad_statistics_period")
    assert_problem(_get(client, token, format="pdf"), 422, "bad_export_format")
    assert_problem(_get(client, token, region="999999"), 404, "region_not_found")
    assert_problem(
        _get(client, token, **{"from": "2026-05-01", "to": "2026-04-01"}), 422, "bad_date_range"
    )
    assert client.get("/api/v1/supervision/statistics").status_code == 401


def test_the_overview_carries_the_period_figures_of_the_region(
    client: Any, api_login: Any, history: None
) -> None:
    """The monitor's overview gives the rollup's figures of the asked region (the
    statistics' total), the city supervisor's only of the city."""
    province = api_login("supervisor-jilin")
    stats = _get(client, province, by="region", period="year").json()["total"]
    over = client.get("/api/v1/supervision/overview", HTTP_AUTHORIZATION=f"Bearer {province}")
    period = over.json()["period"]
    assert period["accepted"] == stats["accepted"] > 0
    assert period["avg_workdays"] == stats["avg_workdays"]
    city = api_login("supervisor-changchun")
    city_stats = _get(client, city, by="region", period="year").json()["total"]
    city_over = client.get("/api/v1/supervision/overview", HTTP_AUTHORIZATION=f"Bearer {city}")
    assert city_over.json()["region"]["code"] == "220100"
    assert city_over.json()["period"]["accepted"] == city_stats["accepted"]
    assert city_stats["accepted"] < stats["accepted"]
    hall = client.get(
        "/api/v1/supervision/overview",
        {"region": "220102", "hall": "hall-220102"},
        HTTP_AUTHORIZATION=f"Bearer {province}",
    )
    assert hall.status_code == 200
    assert hall.json()["period"] is None
