"""Kiosk mode: choose, identify, confirm — issued at once, or handed to a clerk with the
reason when the automatic checks fail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.pages import text as _text
from tests.pages import visible as _visible
from tests.portal.approval import ENDORSE, ZHANG_SAN_ID, pdf_file
from tests.portal.conftest import DEMO_PASSWORD
from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case
from yiwang.cases.services import record_exit_restriction

pytestmark = pytest.mark.django_db


def _confirm_data(key: str = "kiosk-1") -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "f_destination": "香港",
        "f_endorsement_type": "个人旅游（G）",
        "f_validity": "一次有效",
        "m_hk-macao-pass": pdf_file("通行证.pdf"),
        "delivery": "self_print",
    }


def _through_the_kiosk(client: Client) -> Any:
    home = _text(client.get("/kiosk/"))
    assert "往来港澳通行证再次签注" in home
    assert f'href="/kiosk/{ENDORSE}/"' in home
    identify = client.get(f"/kiosk/{ENDORSE}/")
    assert "身份证读卡器接入后" in _text(identify)
    signed = client.post(f"/kiosk/{ENDORSE}/", {"username": "citizen", "password": DEMO_PASSWORD})
    assert signed.status_code == 302
    assert signed["Location"] == f"/kiosk/{ENDORSE}/confirm/"
    confirm = _text(client.get(signed["Location"]))
    assert "第三步：确认办理" in confirm
    assert "220102********1015" not in confirm  # their own ID, shown to them in full
    assert ZHANG_SAN_ID in confirm
    return client.post(f"/kiosk/{ENDORSE}/confirm/", _confirm_data())


def test_a_passing_endorsement_is_issued_at_once(client: Client, world: dict[str, Any]) -> None:
    response = _through_the_kiosk(client)
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/kiosk/result/{case.case_no}/"
    assert case.channel == "kiosk"
    assert case.status == "completed"
    text = _visible(_text(client.get(response["Location"])))
    assert "办理成功" in text
    assert "已自动审批通过，当场办结" in text
    assert case.case_no in text
    assert "已办结" in text
    # 完成并退出 signs out, back to step 1
    done = client.post("/kiosk/done/")
    assert done["Location"] == "/kiosk/"
    assert client.get(f"/kiosk/{ENDORSE}/confirm/")["Location"] == f"/kiosk/{ENDORSE}/"


def test_a_kiosk_sign_in_ends_after_five_idle_minutes(
    client: Client, world: dict[str, Any]
) -> None:
    from yiwang.portal.views_kiosk import KIOSK_SESSION_SECONDS

    client.post(f"/kiosk/{ENDORSE}/", {"username": "citizen", "password": DEMO_PASSWORD})
    assert client.session.get_expiry_age() == KIOSK_SESSION_SECONDS == 300
    # A sign-in on the ordinary login page keeps the site's session length.
    other = Client()
    other.post("/login/", {"username": "citizen", "password": DEMO_PASSWORD})
    assert "_auth_user_id" in other.session
    assert other.session.get_expiry_age() > KIOSK_SESSION_SECONDS


def test_an_exit_restriction_falls_back_to_manual_review_with_the_reason(
    client: Client, world: dict[str, Any]
) -> None:
    record_exit_restriction(
        holder_id_number=ZHANG_SAN_ID,
        authority="某市公安局",
        since=date(2026, 1, 1),
        actor=Actor.system("test"),
    )
    response = _through_the_kiosk(client)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.status == "submitted"
    text = _visible(_text(client.get(response["Location"])))
    assert "已转人工审核" in text
    assert "申请人存在限制出境记录，需人工审核" in text
    assert "已提交（待受理）" in text
    assert "办理成功" not in text


def test_the_kiosk_refuses_staff_accounts_and_unknown_items(
    client: Client, world: dict[str, Any]
) -> None:
    response = client.post(
        f"/kiosk/{ENDORSE}/", {"username": "clerk-nanguan", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 403
    assert "请使用本人（自然人）账号登录" in _text(response)
    # Refused means not signed in: the next person at the terminal must not find the
    # clerk's workbench (with applicants' full ID numbers) one address away.
    assert "_auth_user_id" not in client.session
    assert client.get("/workbench/")["Location"].startswith("/login/")
    wrong = Client().post(f"/kiosk/{ENDORSE}/", {"username": "citizen", "password": "nope"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in _text(wrong)
    # a promised (manual) item is not offered at the terminal
    assert Client().get("/kiosk/220102-ZJ-XK-001/").status_code == 404


def test_a_missing_choice_is_shown_not_submitted(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["citizen"])
    data = _confirm_data()
    data["f_destination"] = ""
    response = client.post(f"/kiosk/{ENDORSE}/confirm/", data)
    assert response.status_code == 400
    assert "还有未选择或未放入的内容" in _text(response)
    assert Case.objects.count() == 0


def test_opening_the_sign_out_address_is_explained_not_blank(client: Client) -> None:
    response = client.get("/kiosk/done/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "此页面只用于提交表单" in _text(response)
