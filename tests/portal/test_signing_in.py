"""Signing in and out through the pages, and the workspace behind them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from yiwang.portal import views

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return str(response.content.decode())


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_has_a_csrf_protected_labelled_form(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = _text(response)
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_username">用户名</label>' in html
    assert '<label for="id_password">密码</label>' in html
    assert 'autocomplete="current-password"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_login_without_csrf_token_is_refused(demo_users: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "citizen", "password": "yiwang-demo-2026"})
    assert response.status_code == 403
    assert not _signed_in(client)


def test_clerk_signs_in_and_lands_on_the_workspace_with_post_and_hall(
    client: Client,
    demo_users: dict[str, Any],
    jilin_data: dict[str, Any],
    page_login: Callable[..., Any],
) -> None:
    response = page_login("clerk-nanguan")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
    assert _signed_in(client)
    page = client.get("/workspace/")
    assert page.status_code == 200
    html = _text(page)
    post = next(p for p in jilin_data["posts"] if p["code"] == "220102-hall-window")
    hall = next(h for h in jilin_data["halls"] if h["code"] == post["hall"])
    role = next(r for r in jilin_data["roles"] if r["code"] == post["role"])
    assert "您好，王丽" in html
    assert f'<th scope="row">{post["name"]}</th>' in html
    assert f'<td data-label="角色">{role["name"]}</td>' in html
    assert f'<td data-label="所在单位">{hall["name"]}</td>' in html
    assert '<a href="/directory/220102/">南关区</a>' in html
    assert "private" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_reviewer_sees_every_post_they_hold(
    signed_in: Callable[[str], Client], jilin_data: dict[str, Any]
) -> None:
    html = _text(signed_in("reviewer-nanguan").get("/workspace/"))
    codes = [
        "220102-market-reviewer",
        "220102-civil-affairs-reviewer",
        "220102-housing-reviewer",
        "220102-human-resources-reviewer",
    ]
    departments = {d["code"]: d["name"] for d in jilin_data["departments"]}
    for code in codes:
        post = next(p for p in jilin_data["posts"] if p["code"] == code)
        assert f'<td data-label="所在单位">{departments[post["department"]]}</td>' in html


def test_wrong_password_is_401_with_a_message_and_no_session(
    client: Client, demo_users: dict[str, Any], page_login: Callable[..., Any]
) -> None:
    response = page_login("clerk-nanguan", "not-the-password")
    assert response.status_code == 401
    html = _text(response)
    assert "用户名或密码错误" in html
    assert 'role="alert"' in html
    assert 'value="clerk-nanguan"' in html  # the name stays filled in
    assert "not-the-password" not in html
    assert not _signed_in(client)
    assert client.get("/workspace/").status_code == 302


def test_unknown_user_gets_the_same_message(
    demo_users: dict[str, Any], page_login: Callable[..., Any]
) -> None:
    response = page_login("nobody-here", "whatever")
    assert response.status_code == 401
    assert "用户名或密码错误" in _text(response)


def test_empty_form_is_a_400_with_field_errors(client: Client) -> None:
    response = client.post("/login/", {"username": "", "password": ""})
    assert response.status_code == 400
    html = _text(response)
    assert 'aria-invalid="true"' in html
    assert "这个字段是必填项" in html


def test_sixth_bad_attempt_is_rate_limited_with_the_wait(
    client: Client, demo_users: dict[str, Any], page_login: Callable[..., Any]
) -> None:
    statuses = [page_login("citizen", f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    response = page_login("citizen", "wrong-6")
    assert response.status_code == 429
    html = _text(response)
    assert "登录失败次数过多" in html
    assert "秒后再试" in html
    wait = int(response["Retry-After"])
    assert 0 < wait <= settings.YIWANG_LOGIN_LOCK_SECONDS + 1
    assert f"{wait} 秒后再试" in html
    # Locked means locked: the right password does not get through either.
    assert page_login("citizen").status_code == 429
    assert not _signed_in(client)


def test_safe_next_is_honoured(
    client: Client, demo_users: dict[str, Any], page_login: Callable[..., Any]
) -> None:
    page = _text(client.get("/login/", {"next": "/directory/220102/"}))
    assert '<input type="hidden" name="next" value="/directory/220102/">' in page
    response = client.post(
        "/login/",
        {"username": "citizen", "password": "yiwang-demo-2026", "next": "/directory/220102/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/directory/220102/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)", "\\\\evil.example"],
)
def test_unsafe_next_is_ignored(client: Client, demo_users: dict[str, Any], target: str) -> None:
    assert '<input type="hidden" name="next"' not in _text(client.get("/login/", {"next": target}))
    response = client.post(
        "/login/", {"username": "citizen", "password": "yiwang-demo-2026", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"


def test_signed_in_user_visiting_login_goes_to_the_workspace(
    signed_in: Callable[[str], Client],
) -> None:
    client = signed_in("citizen")
    response = client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"


def test_logout_requires_post(signed_in: Callable[[str], Client]) -> None:
    client = signed_in("clerk-nanguan")
    response = client.get("/logout/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "退出" in _text(response)
    assert _signed_in(client)
    assert client.get("/workspace/").status_code == 200

    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not _signed_in(client)
    assert client.get("/workspace/").status_code == 302
    assert "您已安全退出" in _text(client.get("/"))


def test_header_offers_logout_as_a_form_when_signed_in(
    signed_in: Callable[[str], Client],
) -> None:
    html = _text(signed_in("clerk-nanguan").get("/"))
    assert '<form method="post" action="/logout/">' in html
    assert 'href="/login/"' not in html.split("<main")[0]


def test_workspace_sends_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/workspace/"


def test_citizen_sees_own_full_id_number_on_the_workspace(
    signed_in: Callable[[str], Client], demo_users: dict[str, Any]
) -> None:
    citizen = demo_users["citizen"].citizen
    html = _text(signed_in("citizen").get("/workspace/"))
    assert "您好，张三" in html
    assert f"<dd>{citizen.id_number}</dd>" in html
    assert f"<dd>{citizen.phone}</dd>" in html
    assert "即可在线申请" in html
    assert 'href="/centre/cases/"' in html
    assert "我的岗位" not in html


def test_workspace_queries_do_not_grow_with_posts(
    signed_in: Callable[[str], Client],
    django_assert_max_num_queries: Any,
    frozen_revisions: None,
) -> None:
    client = signed_in("reviewer-nanguan")  # four posts
    # The first request reads the posts with their units once (one query) ...
    with django_assert_max_num_queries(5):
        assert client.get("/workspace/").status_code == 200
    # ... later ones take them from the per-process cache: session, user, and the
    # header's unread-message count.
    with django_assert_max_num_queries(3):
        assert client.get("/workspace/").status_code == 200


def test_enterprise_sees_its_uscc_on_the_workspace(
    signed_in: Callable[[str], Client], demo_users: dict[str, Any]
) -> None:
    enterprise = demo_users["enterprise"].enterprise
    html = _text(signed_in("enterprise").get("/workspace/"))
    assert f"<dd>{enterprise.uscc}</dd>" in html
    assert enterprise.name in html


def test_admin_gets_a_link_to_platform_admin(signed_in: Callable[[str], Client]) -> None:
    html = _text(signed_in("admin").get("/workspace/"))
    assert 'href="/admin/"' in html


# --------------------------------------------------------------------------- error pages


def test_server_error_page_is_chinese_and_never_a_traceback() -> None:
    request = RequestFactory().get("/anything/")
    response = views.server_error(request)
    assert response.status_code == 500
    html = _text(response)
    assert '<html lang="zh-hans">' in html
    assert "服务器内部错误" in html
    assert "12345" in html
    assert "Traceback" not in html


@override_settings(ROOT_URLCONF="tests.portal.failing_urls", DEBUG=False)
def test_an_unhandled_exception_shows_the_500_page_without_its_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = _text(response)
    assert "服务器内部错误" in html
    assert "Traceback" not in html
    assert "secret detail" not in html
    assert "RuntimeError" not in html


def test_csrf_failure_view_renders_a_chinese_403(rf: RequestFactory) -> None:
    request = rf.post("/login/")
    response = views.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    html = _text(response)
    assert "页面已过期" in html
    assert "CSRF cookie not set" not in html
