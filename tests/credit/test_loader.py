"""The bulk loader (`yiwang credit_load`): CSV and JSON lines, rejects with reasons,
resumable after a crash, idempotent, later loads update changed rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.credit import selectors
from yiwang.credit.demo import synthetic
from yiwang.credit.ingest import cleaning, loader
from yiwang.credit.models import Disclosure, Enterprise, LoadRun

pytestmark = pytest.mark.django_db
FIELDS = list(cleaning.ENTERPRISE_FIELDS)


def _rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [synthetic.enterprise_row(i, seed=11, code_prefix="L") for i in range(start, start + n)]


def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header or FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def _write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return path


def test_a_csv_load_with_bad_rows(tmp_path: Path) -> None:
    rows = _rows(25)
    rows[3]["uscc"] = rows[3]["uscc"][:-1] + ("0" if rows[3]["uscc"][-1] != "0" else "1")
    rows[7]["established_on"] = "2026-02-30"
    rows[9]["kind"] = "company"
    rows[11]["name"] = ""
    path = _write_csv(tmp_path / "registry.csv", rows)
    report = loader.load_file(path, actor=Actor.system("test"), batch_size=10, progress=False)
    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (21, 0, 0, 4)
    assert report.batches == 3
    assert Enterprise.objects.count() == 21
    rejects = [
        json.loads(line)
        for line in (tmp_path / "registry.csv.rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (5, "uscc"),
        (9, "established_on"),
        (11, "kind"),
        (13, "name"),
    ]
    assert "check character" in rejects[0]["reason"]
    assert AuditEvent.objects.filter(action="credit.load_batch").count() == 3
    # What was loaded is searchable at once.
    assert selectors.search_enterprises(rows[0]["name"]).items[0].uscc == rows[0]["uscc"]


def test_a_second_run_loads_nothing_twice(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "registry.csv", _rows(12))
    loader.load_file(path, actor=Actor.system("test"), progress=False)
    again = loader.load_file(path, actor=Actor.system("test"), progress=False)
    assert again.already_loaded
    forced = loader.load_file(path, actor=Actor.system("test"), progress=False, again=True)
    assert (forced.inserted, forced.updated, forced.unchanged) == (0, 0, 12)
    assert Enterprise.objects.count() == 12


def test_a_crashed_load_resumes_after_its_last_batch(tmp_path: Path) -> None:
    rows = _rows(30)
    path = _write_csv(tmp_path / "registry.csv", rows)
    first = loader.load_file(
        path, actor=Actor.system("test"), batch_size=7, progress=False, stop_after_batches=2
    )
    assert first.inserted == 14
    run = LoadRun.objects.get()
    assert (run.status, run.line_no, run.batches) == ("running", 15, 2)  # header + 14 rows
    resumed = loader.load_file(path, actor=Actor.system("test"), batch_size=7, progress=False)
    assert resumed.resumed_from_line == 15
    assert resumed.lines == 16  # only the rest was read
    assert (resumed.inserted, resumed.unchanged, resumed.batches) == (30, 0, 5)
    assert LoadRun.objects.get().status == "done"
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {r["uscc"] for r in rows}


def test_a_later_extract_updates_changed_rows(tmp_path: Path) -> None:
    rows = _rows(10)
    loader.load_file(
        _write_csv(tmp_path / "day1.csv", rows), actor=Actor.system("test"), progress=False
    )
    rows[2]["status"] = "revoked"
    rows[5]["name"] = "长春改名后的科技有限公司"
    rows.extend(_rows(2, start=10))
    later = loader.load_file(
        _write_csv(tmp_path / "day2.csv", rows), actor=Actor.system("test"), progress=False
    )
    assert (later.inserted, later.updated, later.unchanged) == (2, 2, 8)
    assert Enterprise.objects.get(uscc=rows[2]["uscc"]).status == "revoked"
    assert [e.uscc for e in selectors.search_enterprises("改名后").items] == [rows[5]["uscc"]]


def test_json_lines_chinese_headers_and_labels(tmp_path: Path) -> None:
    row = _rows(1)[0]
    chinese = {
        "统一社会信用代码": row["uscc"],
        "名称": row["name"],
        "类型": "有限责任公司",
        "法定代表人": "王五",
        "成立日期": "2015-06-01",
        "登记状态": "存续",
    }
    path = _write_jsonl(tmp_path / "registry.jsonl", [chinese, "{not json", "[1, 2]", ""])
    report = loader.load_file(path, actor=Actor.system("test"), progress=False)
    assert (report.inserted, report.rejected) == (1, 2)
    e = Enterprise.objects.get()
    assert (e.kind, e.status, e.region_code) == ("llc", "active", row["uscc"][2:8])


def test_csv_with_a_wrong_column_count_and_a_bom(tmp_path: Path) -> None:
    rows = _rows(2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    text = "\ufeff" + buffer.getvalue() + "a,b,c\n"
    path = tmp_path / "bom.csv"
    path.write_text(text, encoding="utf-8")
    report = loader.load_file(path, actor=Actor.system("test"), progress=False)
    assert (report.inserted, report.rejected) == (2, 1)


def test_departments_disclosures_load_and_correct(tmp_path: Path, jilin: None) -> None:
    registry = _rows(3)
    loader.load_file(
        _write_csv(tmp_path / "registry.csv", registry), actor=Actor.system("test"), progress=False
    )
    departments = ["220102-market-regulation", "220000-transport"]
    records = [
        synthetic.disclosure_row(i, registry[i % 3]["uscc"], departments, seed=3) for i in range(6)
    ]
    records.append(records[0] | {"source_ref": "x-1", "department": "no-such-department"})
    records.append(records[0] | {"source_ref": "x-2", "uscc": "91110000600037341L"})
    path = _write_jsonl(tmp_path / "d.jsonl", records)
    report = loader.load_file(path, kind="disclosures", actor=Actor.system("test"), progress=False)
    assert (report.inserted, report.rejected) == (6, 2)
    records[1]["title"] = "更正后的事项名称"
    later = loader.load_file(
        _write_jsonl(tmp_path / "d2.jsonl", records[:6]),
        kind="disclosures",
        actor=Actor.system("test"),
        progress=False,
    )
    assert (later.inserted, later.updated, later.unchanged) == (0, 1, 5)
    corrected = Disclosure.objects.get(source_ref=records[1]["source_ref"])
    assert (corrected.version, corrected.title, corrected.source) == (2, "更正后的事项名称", "bulk")
    assert corrected.revisions.get().version == 1


def test_the_command(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "registry.csv", _rows(3))
    out = io.StringIO()
    call_command("credit_load", str(path), "--quiet", stdout=out)
    assert json.loads(out.getvalue())["inserted"] == 3
    out = io.StringIO()
    call_command("credit_load", str(path), "--quiet", stdout=out)
    assert out.getvalue().startswith("already loaded")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("credit_load", str(tmp_path / "missing.csv"), "--quiet")
