"""Domain errors on pages, mapped in one place (portal.errors, decision 0010).

A DomainError a view lets escape becomes the error page with its status, in the
page's language; the refusal a form shows is the error's own translated message.
"""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation

from tests.pages import english
from tests.pages import visible_text as visible
from yiwang.common.errors import NotFound, RateLimited
from yiwang.portal.errors import DomainErrorPages, Refusal

pytestmark = pytest.mark.django_db


def test_an_escaping_domain_error_is_the_error_page_in_chinese_and_in_english() -> None:
    chinese = Client().get("/items/NO-SUCH-ITEM/")
    assert chinese.status_code == 404
    assert "事项 NO-SUCH-ITEM 不存在" in visible(chinese)
    assert "页面不存在" in visible(chinese)  # the page's title for a 404
    assert "no-store" in chinese["Cache-Control"]  # a refusal is never cached
    english_page = english(Client()).get("/items/NO-SUCH-ITEM/")
    assert english_page.status_code == 404
    assert "Item NO-SUCH-ITEM does not exist" in visible(english_page)
    assert "事项" not in visible(english_page)


def test_the_middleware_leaves_the_api_and_other_exceptions_alone() -> None:
    pages = DomainErrorPages(lambda request: HttpResponse())
    factory = RequestFactory()
    error = NotFound("没有", code="not_found")
    assert pages.process_exception(factory.get("/api/v1/items/x"), error) is None
    assert pages.process_exception(factory.get("/items/x/"), ValueError("x")) is None


def test_a_rate_limited_page_says_when_to_come_back() -> None:
    pages = DomainErrorPages(lambda request: HttpResponse())
    request = RequestFactory().get("/credit/")
    request.session = {}  # type: ignore[attr-defined]
    response = pages.process_exception(
        request, RateLimited("访问过于频繁，请稍后再试", code="rate_limited", retry_after=30)
    )
    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (429, "30")


def test_a_refusal_is_a_message_with_the_errors_status() -> None:
    request: HttpRequest = RequestFactory().post("/x/")
    added: list[str] = []

    class Messages:
        def add(self, level: int, message: str, extra_tags: str = "") -> None:
            added.append(message)

    request._messages = Messages()  # type: ignore[attr-defined]
    with translation.override("en"), Refusal(request) as refused:
        raise NotFound("没有", code="not_found")
    assert bool(refused)
    assert refused.status == 404
    assert added == ["没有"]
    with Refusal(request) as fine:
        pass
    assert not fine
    assert (fine.status, fine.retry_after) == (200, None)
    with pytest.raises(ValueError, match="not a domain error"), Refusal(request):
        raise ValueError("not a domain error")


def test_the_sign_in_refusal_is_the_services_own_message() -> None:
    # sign_in_refusal re-worded it; now the service's message is shown as it is raised.
    response = Client().post("/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码错误" in visible(response)
    response = english(Client()).post("/login/", {"username": "nobody", "password": "wrong"})
    assert "Wrong user name or password" in visible(response)
