"""The citizen/enterprise centre: who may enter, applying (files through the uploads
service, one case per idempotency key, nothing stored on a refusal), my cases, one case
with its timeline, answering a supplement notice, withdrawing, and the messages."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.pages import text as _text
from tests.pages import visible as _visible
from tests.portal.approval import (
    FORESTRY,
    NANGUAN,
    TIANQIAOLING,
    apply_post_data,
    required_materials,
    submit_through_services,
)
from tests.portal.conftest import FrozenClock
from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case, CaseMaterial
from yiwang.cases.services import perform_action
from yiwang.notify.models import Message
from yiwang.uploads.models import Upload

pytestmark = pytest.mark.django_db


def _stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --------------------------------------------------------------------------- who may enter


@pytest.mark.parametrize(
    "path",
    [
        f"/items/{NANGUAN}/apply/",
        "/centre/cases/",
        "/centre/cases/220102-20260914-000001/",
        "/centre/messages/",
        "/workbench/",
        "/workbench/cases/220102-20260914-000001/",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client: Client, world: dict[str, Any], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_staff_cannot_use_the_centre_and_citizens_cannot_open_the_workbench(
    as_user: Callable[[str], Client],
) -> None:
    clerk = as_user("clerk-nanguan")
    response = clerk.get("/centre/cases/")
    assert response.status_code == 403
    assert "办事中心供自然人和法人用户使用" in _text(response)
    assert clerk.get(f"/items/{NANGUAN}/apply/").status_code == 403
    citizen = as_user("citizen")
    response = citizen.get("/workbench/")
    assert response.status_code == 403
    assert "工作台仅供政务服务工作人员使用" in _text(response)


def test_the_header_links_each_person_to_their_area(as_user: Callable[[str], Client]) -> None:
    citizen_nav = _text(as_user("citizen").get("/"))
    assert 'href="/centre/cases/"' in citizen_nav
    assert 'href="/workbench/"' not in citizen_nav
    clerk_nav = _text(as_user("clerk-nanguan").get("/"))
    assert 'href="/workbench/"' in clerk_nav
    assert 'href="/centre/cases/"' not in clerk_nav
    for html in (citizen_nav, clerk_nav):
        assert 'href="/items/"' in html
        assert 'href="/lookup/"' in html
        assert 'href="/centre/messages/"' in html


# --------------------------------------------------------------------------- applying


def test_the_apply_form_has_the_items_fields_a_file_per_material_and_delivery(
    as_user: Callable[[str], Client],
) -> None:
    html = _text(as_user("citizen").get(f"/items/{NANGUAN}/apply/"))
    for label in ("占用用途", "占用地点（路名、门牌号）", "占用面积（平方米）", "占用起始日期"):
        assert label in html
    assert 'type="date"' in html
    assert html.count('type="file"') == 5  # one per material, required or not
    assert 'enctype="multipart/form-data"' in html
    assert 'name="idempotency_key"' in html
    for method in ("网上下载/在线查看", "快递送达", "窗口领取"):
        assert method in html
    township = _text(as_user("citizen").get(f"/items/{FORESTRY}/apply/"))
    assert "受理站点（乡镇、街道便民服务站）" in township
    assert f'value="{TIANQIAOLING}"' in township
    assert "天桥岭镇" in township


def test_applying_online_shows_the_case_number_and_the_query_code_once(
    as_user: Callable[[str], Client], frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    citizen = as_user("citizen")
    response = citizen.post(f"/items/{NANGUAN}/apply/", apply_post_data(NANGUAN, delivery="post"))
    assert response.status_code == 302, _text(response)
    case = Case.objects.get()
    assert response["Location"] == f"/centre/cases/{case.case_no}/submitted/"
    assert case.case_no.startswith("220102-20260914-")
    assert case.form["purpose"] == "房屋装修"
    assert case.form["area_m2"] == 12
    assert case.delivery_method_id == "post"
    assert case.channel == "online"
    stored = CaseMaterial.objects.filter(case=case)
    assert sorted(m.material_code for m in stored) == sorted(
        m.code for m in required_materials(NANGUAN)
    )
    page = _text(citizen.get(response["Location"]))
    code = re.search(r'id="query-code">([A-Z2-9]{10})<', page)
    assert code is not None
    assert case.case_no in page
    assert "它只显示这一次" in page
    again = _text(citizen.get(response["Location"]))
    assert 'id="query-code"' not in again
    assert "不再显示" in again
    # the code works in the public lookup
    lookup = Client().post("/lookup/", {"case_no": case.case_no, "code": code.group(1)})
    assert lookup.status_code == 200


def test_a_double_submit_makes_one_case(as_user: Callable[[str], Client]) -> None:
    citizen = as_user("citizen")
    first = citizen.post(f"/items/{NANGUAN}/apply/", apply_post_data(NANGUAN, key="same"))
    second = citizen.post(f"/items/{NANGUAN}/apply/", apply_post_data(NANGUAN, key="same"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert Upload.objects.count() == len(required_materials(NANGUAN))
    # A new form (a new key) is a new application.
    third = citizen.post(f"/items/{NANGUAN}/apply/", apply_post_data(NANGUAN, key="other"))
    assert third.status_code == 302
    assert Case.objects.count() == 2


def test_a_forged_pdf_is_refused_with_415_and_nothing_is_stored(
    as_user: Callable[[str], Client],
) -> None:
    before = _stored_files()
    data = apply_post_data(NANGUAN)
    forged = required_materials(NANGUAN)[-1]  # the others are real PDFs, listed first
    data[f"m_{forged.code}"] = SimpleUploadedFile(
        "承诺书.pdf", b"MZ\x90\x00 this is not a PDF at all", content_type="application/pdf"
    )
    response = as_user("citizen").post(f"/items/{NANGUAN}/apply/", data)
    assert response.status_code == 415
    text = _visible(_text(response))
    assert f"材料“{forged.name}”：只接受 PDF、JPEG、PNG 文件（按文件内容判断）" in text
    assert "占用用途" in text  # the form again, to correct and resend
    assert Case.objects.count() == 0
    assert Upload.objects.count() == 0
    assert _stored_files() == before


def test_a_file_over_the_limit_is_refused_with_413(
    as_user: Callable[[str], Client], settings: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 1024
    data = apply_post_data(NANGUAN)
    code = required_materials(NANGUAN)[0].code
    data[f"m_{code}"] = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n")
    response = as_user("citizen").post(f"/items/{NANGUAN}/apply/", data)
    assert response.status_code == 413
    assert "文件不能超过" in _text(response)
    assert Case.objects.count() == 0
    assert Upload.objects.count() == 0


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_body_that_is_no_form_is_a_page_not_a_logged_traceback(
    as_user: Callable[[str], Client], caplog: pytest.LogCaptureFixture, content_type: str
) -> None:
    caplog.set_level(logging.WARNING)
    for url in (f"/items/{NANGUAN}/apply/", "/kiosk/220100-GA-GG-001/confirm/"):
        response = as_user("citizen").post(url, b"--x\r\nnot a form", content_type=content_type)
        assert response.status_code == 400
        assert "无法解析提交的表单" in _text(response)
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert Case.objects.count() == 0


def test_missing_required_material_or_field_is_shown_on_the_form(
    as_user: Callable[[str], Client],
) -> None:
    data = apply_post_data(NANGUAN)
    missing = required_materials(NANGUAN)[1]
    del data[f"m_{missing.code}"]
    data["f_location"] = ""
    response = as_user("citizen").post(f"/items/{NANGUAN}/apply/", data)
    assert response.status_code == 400
    html = _text(response)
    assert "申请表有未填或填错的地方" in html
    assert html.count('class="errorlist"') >= 2
    assert Case.objects.count() == 0
    assert Upload.objects.count() == 0


def test_a_service_refusal_is_a_message_with_its_status(as_user: Callable[[str], Client]) -> None:
    # The station must lie under the item's county: the cases service says 422.
    data = apply_post_data(FORESTRY, delivery="post", intake_region="222424100")
    ok = as_user("citizen").post(f"/items/{FORESTRY}/apply/", data)
    assert ok.status_code == 302  # 汪清镇 is fine
    enterprise = as_user("enterprise")
    data = apply_post_data(FORESTRY, key="k2", delivery="post")
    response = enterprise.post(f"/items/{FORESTRY}/apply/", data)
    assert response.status_code == 400  # no station chosen: the form says so
    unknown = as_user("citizen").get("/items/NO-SUCH/apply/")
    assert unknown.status_code == 404


# --------------------------------------------------------------------------- my cases


def test_my_cases_lists_status_deadlines_and_marks(
    world: dict[str, Any], as_user: Callable[[str], Client], frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    submission = submit_through_services(world["citizen"], NANGUAN)
    case_no = submission.case.case_no
    frozen.set("2026-09-15")
    perform_action(case_no, "accept", actor=world["clerk-nanguan"])
    citizen = as_user("citizen")
    frozen.set("2026-09-16")
    text = _visible(_text(citizen.get("/centre/cases/")))
    assert case_no in text
    assert "已受理" in text
    assert "2026-09-21" in text  # promised deadline (5 working days, Sep 20 a make-up day)
    assert "剩余 4 个工作日" in text
    assert "黄牌" not in text
    assert "红牌" not in text
    frozen.set("2026-09-20")  # a make-up working Sunday: one day left of five
    html = _text(citizen.get("/centre/cases/"))
    assert "黄牌：临近到期" in html
    assert 'class="row--yellow"' in html
    frozen.set("2026-09-22")
    html = _text(citizen.get("/centre/cases/"))
    assert "红牌：已超期" in html
    assert "已超期" in _visible(html)
    # another citizen's list does not show it
    from yiwang.accounts.services import register_citizen

    other = register_citizen(
        username="lisi",
        password="yiwang-demo-2026",
        real_name="李四",
        id_number="11010519491231002X",
        actor=Actor.system("test"),
    )
    c = Client()
    c.force_login(other)
    assert case_no not in _text(c.get("/centre/cases/"))
    assert c.get(f"/centre/cases/{case_no}/").status_code == 404


def test_the_case_page_shows_every_hand_off_across_levels(
    world: dict[str, Any], as_user: Callable[[str], Client], frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    submission = submit_through_services(
        world["citizen"], FORESTRY, delivery="post", intake_region=TIANQIAOLING
    )
    case_no = submission.case.case_no
    perform_action(case_no, "accept", actor=world["clerk-tianqiaoling"])
    perform_action(case_no, "forward", actor=world["clerk-tianqiaoling"])
    perform_action(
        case_no, "approve", actor=world["reviewer-wangqing-forestry"], comment="检疫合格"
    )
    perform_action(case_no, "issue", actor=world["reviewer-wangqing-forestry"])
    perform_action(
        case_no,
        "deliver",
        actor=world["clerk-tianqiaoling"],
        method="post",
        tracking_no="EMS1234567890",
    )
    html = _text(as_user("citizen").get(f"/centre/cases/{case_no}/"))
    text = _visible(html)
    assert "天桥岭镇便民服务站" in text
    for step in ("提交申请", "受理", "转报审查", "准予许可", "制证", "送达"):
        assert step in text
    # the hand-off from the station to the county bureau, and the units that acted
    assert re.search(r"天桥岭镇[^<]*</span>\s*<span aria-hidden=\"true\">→", html)
    assert "汪清县林业局" in text
    assert "快递单号：EMS1234567890" in text
    assert "已寄出（待签收）" in text
    assert "准予" in text
    assert "检疫合格" in text
    # applicants do not see staff names on their timeline
    assert "孙强" not in text
    assert "金哲" not in text
    assert "2026-09-17" in text  # promised: 3 working days after Sep 14


def test_answering_a_supplement_notice_resubmits_the_case(
    world: dict[str, Any], as_user: Callable[[str], Client]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    case_no = submission.case.case_no
    perform_action(
        case_no,
        "request_supplement",
        actor=world["clerk-nanguan"],
        missing=[{"material": "site-plan", "reason": "未标明占用尺寸"}],
        comment="请一次补齐",
    )
    citizen = as_user("citizen")
    html = _text(citizen.get(f"/centre/cases/{case_no}/"))
    assert "补正告知（一次性告知）" in html
    assert "未标明占用尺寸" in html
    assert 'name="m_site-plan"' in html
    case = Case.objects.get(case_no=case_no)
    response = citizen.post(
        f"/centre/cases/{case_no}/actions/",
        {
            "action": "resubmit",
            "version": case.version,
            "m_site-plan": SimpleUploadedFile("平面图.pdf", _pdf()),
        },
    )
    assert response.status_code == 302
    page = _visible(_text(citizen.get(response["Location"])))
    assert "补正材料已提交" in page
    assert "已提交（待受理）" in page
    assert "补正后重新提交" in page
    assert "已被替换的材料（1 份）" in page
    # a second answer is refused with the state (409), not a crash
    again = citizen.post(
        f"/centre/cases/{case_no}/actions/",
        {"action": "resubmit", "m_site-plan": SimpleUploadedFile("x.pdf", _pdf())},
    )
    assert again.status_code == 409
    assert "不能执行" in _text(again)


def test_withdrawing_and_staff_only_actions_from_the_centre(
    world: dict[str, Any], as_user: Callable[[str], Client]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    case_no = submission.case.case_no
    citizen = as_user("citizen")
    assert "撤回申请" in _text(citizen.get(f"/centre/cases/{case_no}/"))
    refused = citizen.post(f"/centre/cases/{case_no}/actions/", {"action": "accept"})
    assert refused.status_code == 400
    assert Case.objects.get(case_no=case_no).status == "submitted"
    response = citizen.post(
        f"/centre/cases/{case_no}/actions/", {"action": "withdraw", "comment": "不需要了"}
    )
    assert response.status_code == 302
    text = _visible(_text(citizen.get(f"/centre/cases/{case_no}/")))
    assert "申请已撤回" in text
    assert "已撤回" in text
    assert "撤回原因" not in text  # no withdraw form any more


def test_the_applicant_downloads_own_materials_only(
    world: dict[str, Any], as_user: Callable[[str], Client]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    case_no = submission.case.case_no
    material = CaseMaterial.objects.filter(case__case_no=case_no).first()
    assert material is not None
    citizen = as_user("citizen")
    url = f"/centre/cases/{case_no}/materials/{material.pk}/"
    assert url in _text(citizen.get(f"/centre/cases/{case_no}/"))
    response = citizen.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert as_user("enterprise").get(url).status_code == 404


# --------------------------------------------------------------------------- messages


def test_messages_show_with_the_unread_count_and_can_be_marked_read(
    world: dict[str, Any], as_user: Callable[[str], Client]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    perform_action(submission.case.case_no, "accept", actor=world["clerk-nanguan"])
    citizen = as_user("citizen")
    html = _text(citizen.get("/centre/messages/"))
    assert "申请已提交" in html
    assert "办件已受理" in html
    assert re.search(r'id="unread-count"[^>]*><span aria-hidden="true">2</span>', html)
    assert f'href="/centre/cases/{submission.case.case_no}/"' in html
    message = Message.objects.filter(recipient=world["citizen"], subject="办件已受理").get()
    fragment = citizen.post(f"/centre/messages/{message.pk}/read/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    part = _text(fragment)
    assert part.startswith(f'<li class="message-item" id="message-{message.pk}">')
    assert 'hx-swap-oob="true"' in part
    assert '<span aria-hidden="true">1</span>' in part
    message.refresh_from_db()
    assert message.read_at is not None
    unread = _text(citizen.get("/centre/messages/?unread=1"))
    assert "申请已提交" in unread
    assert "办件已受理" not in unread
    # nobody else's messages
    other = as_user("enterprise")
    assert other.post(f"/centre/messages/{message.pk}/read/").status_code == 404
    assert "办件已受理" not in _text(other.get("/centre/messages/"))


def _pdf() -> bytes:
    from tests.portal.approval import small_pdf

    return small_pdf("supplement")
