"""The staff workbench: the inbox by deadline with red/yellow cards and its htmx status
filter, one case with the applicant, materials and exactly the allowed actions, taking
actions (htmx and plain), scope (404 outside it) and the material download."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.pages import text as _text
from tests.pages import visible as _visible
from tests.portal.approval import (
    FORESTRY,
    NANGUAN,
    TIANQIAOLING,
    ZHANG_SAN_ID,
    submit_through_services,
)
from tests.portal.conftest import FrozenClock
from yiwang.cases.models import Case, CaseMaterial, SupplementNotice
from yiwang.cases.services import perform_action

pytestmark = pytest.mark.django_db


def _action_forms(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', html)


@pytest.fixture
def nanguan_case(world: dict[str, Any], frozen: FrozenClock) -> str:
    frozen.set("2026-09-14")
    return str(submit_through_services(world["citizen"], NANGUAN).case.case_no)


@pytest.fixture
def forestry_case(world: dict[str, Any], frozen: FrozenClock) -> str:
    frozen.set("2026-09-14")
    submission = submit_through_services(
        world["citizen"], FORESTRY, delivery="post", intake_region=TIANQIAOLING
    )
    return str(submission.case.case_no)


# --------------------------------------------------------------------------- the inbox


def test_the_inbox_lists_cases_by_deadline_with_red_and_yellow_cards(
    world: dict[str, Any],
    as_user: Callable[[str], Client],
    frozen: FrozenClock,
    nanguan_case: str,
) -> None:
    late = str(submit_through_services(world["citizen"], NANGUAN).case.case_no)
    frozen.set("2026-09-15")
    perform_action(nanguan_case, "accept", actor=world["clerk-nanguan"])  # due Sep 21
    clerk = as_user("clerk-nanguan")
    frozen.set("2026-09-20")  # the older submission: acceptance window ended Sep 20
    html = _text(clerk.get("/workbench/"))
    assert html.index(late) < html.index(nanguan_case)  # Sep 20 before Sep 21
    assert "黄牌：临近到期" in html
    frozen.set("2026-09-22")
    html = _text(clerk.get("/workbench/"))
    assert html.count("红牌：已超期") == 2
    assert html.count('class="row--red"') == 2
    text = _visible(html)
    assert "临时占用城市道路审批" in text
    assert "已受理" in text
    assert "已提交（待受理）" in text


def test_the_status_filter_answers_htmx_with_the_table_only(
    world: dict[str, Any], as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    clerk = as_user("clerk-nanguan")
    page = _text(clerk.get("/workbench/"))
    assert 'hx-get="/workbench/"' in page
    assert '<option value="submitted"' in page
    fragment = clerk.get("/workbench/", {"status": "accepted"}, HTTP_HX_REQUEST="true")
    html = _text(fragment)
    assert html.lstrip().startswith('<div id="inbox-results">')
    assert "<html" not in html
    assert nanguan_case not in html
    assert "没有符合条件的办件" in html
    fragment = clerk.get("/workbench/", {"status": "submitted"}, HTTP_HX_REQUEST="true")
    assert nanguan_case in _text(fragment)
    bad = clerk.get("/workbench/", {"status": "nonsense"})
    assert bad.status_code == 422
    assert "未知的办件状态" in _text(bad)


def test_a_page_number_past_the_end_of_the_world_is_a_message_not_a_500(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    # Offsets past the database's integer range were a 500 ("datatype mismatch").
    for who, url in (("clerk-nanguan", "/workbench/"), ("citizen", "/centre/cases/")):
        response = as_user(who).get(url, {"page": "99999999999999999999"})
        assert response.status_code == 422
        assert "页码应为 1 到 10000 的整数" in _text(response)


def test_staff_see_only_their_scope(
    as_user: Callable[[str], Client], nanguan_case: str, forestry_case: str
) -> None:
    nanguan = as_user("clerk-nanguan")
    station = as_user("clerk-tianqiaoling")
    assert nanguan_case in _text(nanguan.get("/workbench/"))
    assert forestry_case not in _text(nanguan.get("/workbench/"))
    assert forestry_case in _text(station.get("/workbench/"))
    assert nanguan_case not in _text(station.get("/workbench/"))
    # another region's case does not exist for them: 404, not 403
    response = nanguan.get(f"/workbench/cases/{forestry_case}/")
    assert response.status_code == 404
    assert "不存在" in _text(response)
    assert station.get(f"/workbench/cases/{nanguan_case}/").status_code == 404
    assert as_user("clerk-wangqing").get(f"/workbench/cases/{nanguan_case}/").status_code == 404
    refused = station.post(f"/workbench/cases/{nanguan_case}/actions/", {"action": "accept"})
    assert refused.status_code == 404
    assert Case.objects.get(case_no=nanguan_case).status == "submitted"


# --------------------------------------------------------------------------- one case


def test_the_handling_clerk_sees_the_full_identity_materials_and_intake_actions(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    html = _text(as_user("clerk-nanguan").get(f"/workbench/cases/{nanguan_case}/"))
    text = _visible(html)
    assert "张三" in text
    assert ZHANG_SAN_ID in text  # handling staff: in full
    assert "13804310001" in text
    assert "占用地点（路名、门牌号）" in text
    assert "南关区人民大街 1 号" in text
    material = CaseMaterial.objects.filter(case__case_no=nanguan_case).first()
    assert material is not None
    assert f'href="/workbench/cases/{nanguan_case}/materials/{material.pk}/"' in html
    assert _action_forms(html) == ["accept", "request_supplement", "refuse"]
    assert "approve" not in _action_forms(html)
    # the supplement checklist lists every material of the item
    assert html.count('name="missing"') == 5
    assert 'hx-post="/workbench/cases/' in html


def test_a_supervisor_reads_masked_and_takes_no_action(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    supervisor = as_user("supervisor-jilin")
    html = _text(supervisor.get(f"/workbench/cases/{nanguan_case}/"))
    text = _visible(html)
    assert "张三" in text
    assert ZHANG_SAN_ID not in text
    assert "220102********1015" in text
    assert _action_forms(html) == []
    assert "当前状态下您没有可执行的操作" in text
    assert "/materials/" not in html  # no download links
    material = CaseMaterial.objects.filter(case__case_no=nanguan_case).first()
    assert material is not None
    url = f"/workbench/cases/{nanguan_case}/materials/{material.pk}/"
    assert supervisor.get(url).status_code == 403


PARTNER_ID = "22010219900101002X"
CONTACT = "13912345678"


def test_a_supervisor_reads_the_form_file_names_and_comments_masked_too(
    world: dict[str, Any], as_user: Callable[[str], Client], frozen: FrozenClock
) -> None:
    """Personal numbers are not only in the applicant block: a form field (the partner's
    ID number of a marriage registration), a file's name and a clerk's comment carry
    them as well. Masked for the supervisor and the administrator; in full for the
    applicant and the handling staff."""
    from tests.portal.approval import pdf_file, required_materials
    from yiwang.cases.services import MaterialRef, submit_case
    from yiwang.uploads.services import store_upload

    marriage = "220102-MZ-QR-001"  # 内地居民结婚登记, 南关区民政局
    citizen = world["citizen"]
    refs = [
        MaterialRef(m.code, str(store_upload(pdf_file(f"{PARTNER_ID}.pdf"), owner=citizen).id))
        for m in required_materials(marriage)
    ]
    form = {
        "partner_name": "李梅",
        "partner_id_number": PARTNER_ID,
        "appointment_date": "2026-10-09",
    }
    case_no = submit_case(actor=citizen, item_code=marriage, form=form, materials=refs).case.case_no
    perform_action(
        case_no,
        "request_supplement",
        actor=world["clerk-nanguan"],
        comment=f"照片不清晰，请联系 {CONTACT}",
        missing=[{"material": "photos", "reason": f"重拍后联系 {CONTACT}"}],
    )
    for who in ("supervisor-jilin", "admin"):
        html = _text(as_user(who).get(f"/workbench/cases/{case_no}/"))
        assert "对方公民身份号码" in html, who
        assert "220102********002X" in html, who
        assert "139****5678" in html, who
        assert PARTNER_ID not in html, who
        assert CONTACT not in html, who
        case = as_user(who).get(f"/api/v1/cases/{case_no}").json()
        assert PARTNER_ID not in str(case), who
        assert CONTACT not in str(case), who
        assert case["materials"][0]["file_name"] == "220102********002X.pdf", who
    for who, page in (
        ("clerk-nanguan", f"/workbench/cases/{case_no}/"),
        ("reviewer-nanguan", f"/workbench/cases/{case_no}/"),
        ("citizen", f"/centre/cases/{case_no}/"),
    ):
        html = _text(as_user(who).get(page))
        assert PARTNER_ID in html, who
        assert CONTACT in html, who
    # Masked for display only: what is stored is untouched.
    assert Case.objects.get(case_no=case_no).form["partner_id_number"] == PARTNER_ID
    assert CaseMaterial.objects.filter(case__case_no=case_no)[0].file_name == f"{PARTNER_ID}.pdf"


def test_a_refusal_reason_reaches_the_supervisor_masked(
    world: dict[str, Any], as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    perform_action(
        nanguan_case,
        "refuse",
        actor=world["clerk-nanguan"],
        comment=f"非本机关职权，请致电 {CONTACT}",
    )
    for who in ("supervisor-jilin", "admin"):
        case = as_user(who).get(f"/api/v1/cases/{nanguan_case}").json()
        assert CONTACT not in str(case), who
        assert "139****5678" in _text(as_user(who).get(f"/workbench/cases/{nanguan_case}/")), who
    assert CONTACT in _text(as_user("clerk-nanguan").get(f"/workbench/cases/{nanguan_case}/"))
    assert Case.objects.get(case_no=nanguan_case).refusal_reason.endswith(CONTACT)


def test_material_download_goes_through_the_permission_check(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    material = CaseMaterial.objects.filter(case__case_no=nanguan_case).first()
    assert material is not None
    url = f"/workbench/cases/{nanguan_case}/materials/{material.pk}/"
    response = as_user("clerk-nanguan").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert as_user("clerk-wangqing").get(url).status_code == 404
    assert (
        as_user("clerk-nanguan").get(url.replace(f"/{material.pk}/", "/999999/")).status_code == 404
    )


def test_actions_through_htmx_return_the_case_with_the_outcome(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    clerk = as_user("clerk-nanguan")
    version = Case.objects.get(case_no=nanguan_case).version
    response = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/",
        {"action": "accept", "version": version, "comment": "材料齐全"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith('<div id="case-body"')
    assert "已完成“受理”" in html
    assert "已受理" in _visible(html)
    assert _action_forms(html) == ["forward"]  # the clerk's only step now
    # the same form again (a stale page): 409 with the state, swapped in as a message
    again = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/",
        {"action": "accept", "version": version},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 409
    assert "办件已被他人更新" in _text(again)
    # an action the clerk may never take: 403
    denied = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/", {"action": "approve"}, HTTP_HX_REQUEST="true"
    )
    assert denied.status_code == 403
    assert "您无权对本办件执行“准予许可”" in _text(denied)


def test_the_reviewer_decides_issues_and_the_clerk_delivers_without_htmx(
    world: dict[str, Any], as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    perform_action(nanguan_case, "accept", actor=world["clerk-nanguan"])
    reviewer = as_user("reviewer-nanguan")
    html = _text(reviewer.get(f"/workbench/cases/{nanguan_case}/"))
    assert set(_action_forms(html)) == {"approve", "deny", "suspend", "extend"}
    assert '<option value="quarantine">检疫</option>' in html
    missing_reason = reviewer.post(f"/workbench/cases/{nanguan_case}/actions/", {"action": "deny"})
    assert missing_reason.status_code == 422
    assert "请填写不予许可的理由" in _text(missing_reason)
    url = f"/workbench/cases/{nanguan_case}/actions/"
    response = reviewer.post(url, {"action": "approve", "comment": "符合条件"})
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/cases/{nanguan_case}/"
    assert "已完成“准予许可”" in _text(reviewer.get(response["Location"]))
    assert reviewer.post(url, {"action": "issue"}).status_code == 302
    clerk = as_user("clerk-nanguan")
    html = _text(clerk.get(f"/workbench/cases/{nanguan_case}/"))
    assert _action_forms(html) == ["deliver"]
    assert "快递单号（邮寄送达时必填）" in html
    no_tracking = clerk.post(url, {"action": "deliver", "method": "post"})
    assert no_tracking.status_code == 422
    assert "邮寄送达需填写快递单号" in _text(no_tracking)
    assert clerk.post(url, {"action": "deliver", "method": "window"}).status_code == 302
    text = _visible(_text(as_user("citizen").get(f"/centre/cases/{nanguan_case}/")))
    assert "已办结" in text
    assert "送达方式：窗口领取" in text


def test_a_supplement_notice_lists_every_chosen_material_at_once(
    as_user: Callable[[str], Client], nanguan_case: str
) -> None:
    clerk = as_user("clerk-nanguan")
    nul = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/",
        {"action": "request_supplement", "missing": ["site-plan"], "reason-site-plan": "尺\x00寸"},
        HTTP_HX_REQUEST="true",
    )
    assert nul.status_code == 400  # a NUL in a reason was a 500 on PostgreSQL
    assert not SupplementNotice.objects.exists()
    response = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/",
        {
            "action": "request_supplement",
            "missing": ["site-plan", "restoration-commitment"],
            "reason-site-plan": "未标明尺寸",
            "comment": "请一次补齐",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    notice = SupplementNotice.objects.get(case__case_no=nanguan_case)
    assert [i["material"] for i in notice.items] == ["site-plan", "restoration-commitment"]
    assert notice.items[0]["reason"] == "未标明尺寸"
    text = _visible(_text(response))
    assert "待补正" in text
    assert "占用位置平面示意图（未标明尺寸）" in text
    empty = clerk.post(
        f"/workbench/cases/{nanguan_case}/actions/", {"action": "refuse"}, HTTP_HX_REQUEST="true"
    )
    assert empty.status_code == 422  # a refusal needs its reason


def test_the_township_flow_on_the_workbench_shows_the_hand_off(
    world: dict[str, Any], as_user: Callable[[str], Client], forestry_case: str
) -> None:
    station = as_user("clerk-tianqiaoling")
    url = f"/workbench/cases/{forestry_case}/actions/"
    assert station.post(url, {"action": "accept"}).status_code == 302
    assert station.post(url, {"action": "forward", "comment": "报检材料齐全"}).status_code == 302
    county = as_user("reviewer-wangqing-forestry")
    html = _text(county.get(f"/workbench/cases/{forestry_case}/"))
    text = _visible(html)
    assert "天桥岭镇" in text
    assert "汪清县林业局" in text
    assert "孙强" in text  # staff see who acted
    assert "approve" in _action_forms(html)
    assert "forward" not in _action_forms(html)


def test_list_pages_cost_the_same_queries_for_one_case_or_many(
    world: dict[str, Any], as_user: Callable[[str], Client], frozen_revisions: None
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk = as_user("clerk-nanguan")
    citizen = as_user("citizen")

    def count(c: Client, path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(path).status_code == 200
        return len(ctx.captured_queries)

    submit_through_services(world["citizen"], NANGUAN)
    count(clerk, "/workbench/")  # fills the per-process caches (the clerk's posts)
    one = (count(clerk, "/workbench/"), count(citizen, "/centre/cases/"))
    for _ in range(4):
        submit_through_services(world["citizen"], NANGUAN)
    assert (count(clerk, "/workbench/"), count(citizen, "/centre/cases/")) == one
