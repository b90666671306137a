"""The people's pages on a phone (390 × 844) and the kiosk on a tablet (768 × 1024).

Nothing may be wider than the screen (no sideways scrolling of the page), the tables
that become cards on a phone (.table-stack) must not hide columns in a sideways
scroller either, and no table cell may be squeezed to a character or two a line. Every page is saved as a screenshot for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests import seeding
from yiwang.accounts.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "yiwang-demo-2026"

# What a page measures: the page's overflow, and each stacked table's own scroller.
MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  screen: window.innerWidth,
  wide: [...document.querySelectorAll('main *, header *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
      && !el.closest('.table-scroll'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className),
  hiddenColumns: [...document.querySelectorAll('.table-scroll')]
    .filter(w => w.querySelector('table.table-stack') && w.scrollWidth > w.clientWidth + 1)
    .length,
  // A column squeezed to a character or two a line (a name set vertically) is unreadable.
  cramped: [...document.querySelectorAll('main tbody td, main tbody th')]
    .filter(c => c.textContent.trim() && c.getBoundingClientRect().width > 0
      && c.getBoundingClientRect().width < 64)
    .slice(0, 5).map(c => c.textContent.trim().slice(0, 12)),
})"""


@seeding.step("browser.mobile", after=("demo_users",))
def _seed_mobile() -> None:
    from yiwang.cases.services import seed_demo_cases, seed_demo_reference_data
    from yiwang.catalog.services import load_catalog_data
    from yiwang.common.workdays import seed_from_chinesecalendar
    from yiwang.credit.demo import seed as credit_demo
    from yiwang.licenses.demo import seed_demo_licenses

    seed_from_chinesecalendar(actor=Actor.system("test"))
    load_catalog_data(actor=Actor.system("test"))
    seed_demo_reference_data(actor=Actor.system("test"))
    seed_demo_cases(actor=Actor.system("test"))
    credit_demo.seed(actor=Actor.system("test"), count=200)  # a small registry is enough for layout
    seed_demo_licenses(actor=Actor.system("test"))  # the citizen's licenses for 我的证照


@pytest.fixture
@seeding.provides("browser.mobile")
def mobile_data(demo_users: dict[str, Any]) -> dict[str, Any]:
    from yiwang.credit.models import Disclosure

    seeding.ensure("browser.mobile")
    disclosure = Disclosure.objects.select_related("enterprise").order_by("pk").first()
    assert disclosure is not None
    return {"uscc": disclosure.enterprise.uscc}


@pytest.fixture
def tab(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh phone-sized tab; `tab.resize(size)` for the tablet."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def _sign_in(tab: Any, username: str) -> None:
    tab.goto(tab.base_url + "/login/")
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.locator("main").get_by_role("button", name="登录").click()
    tab.wait_for_url("**/workspace/")


def _check(tab: Any, shot: Any, path: str, step: str) -> None:
    response = tab.goto(tab.base_url + path)
    assert response is not None, path
    assert response.status == 200, path
    # `goto` returned at the load event (the pages load nothing by script on their own);
    # the web fonts may still be swapping in, and they change the widths measured below.
    tab.evaluate("() => document.fonts.ready.then(() => true)")
    shot(tab, step)
    m = tab.evaluate(MEASURE)
    assert m["page"] <= m["screen"], (
        f"{path}: {m['page']} px wide on a {m['screen']} px screen: {m['wide']}"
    )
    assert m["wide"] == [], f"{path}: wider than the screen: {m['wide']}"
    assert m["hiddenColumns"] == 0, f"{path}: a stacked table still scrolls sideways"
    assert m["cramped"] == [], (
        f"{path}: table cells squeezed narrower than 4 characters: {m['cramped']}"
    )


def _links(tab: Any, selector: str) -> list[str]:
    hrefs = tab.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h]


def test_public_pages_fit_a_phone(tab: Any, mobile_data: dict[str, Any], shot: Any) -> None:
    for path, step in [
        ("/", "home"),
        ("/items/", "items"),
        ("/items/220000-GA-XK-001/", "item-guide"),
        ("/lookup/", "lookup"),
        ("/verify/", "verify"),
        ("/login/", "login"),
        ("/directory/", "directory"),
        ("/directory/220100/", "region"),
        ("/credit/", "credit"),
        ("/credit/lists/abnormal/", "credit-abnormal"),
        (f"/credit/enterprises/{mobile_data['uscc']}/", "credit-enterprise"),
    ]:
        _check(tab, shot, path, step)

    # The guide's materials are cards: the name leads, every cell says what it is.
    tab.goto(tab.base_url + "/items/220000-GA-XK-001/")
    first = tab.locator("section[aria-labelledby=materials-title] tbody tr").first
    assert first.locator("td[data-label='是否必要']").count() == 1
    box = first.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]


def test_citizen_pages_fit_a_phone(tab: Any, mobile_data: dict[str, Any], shot: Any) -> None:
    _sign_in(tab, "citizen")
    _check(tab, shot, "/centre/cases/", "my-cases")
    # Every column of my cases is on screen: the status is not scrolled off to the right.
    status = tab.locator("main tbody .status").first
    box = status.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    cases = _links(tab, "main tbody a.mono")
    assert cases
    _check(tab, shot, cases[0], "case-timeline")
    _check(tab, shot, "/items/220000-GA-XK-001/apply/", "apply-form")
    _check(tab, shot, "/centre/messages/", "messages")
    _check(tab, shot, "/centre/licenses/", "my-licenses")
    assert tab.locator("main article.license-card svg").count() >= 1  # the QR codes shown
    _check(tab, shot, "/workspace/", "workspace")


def test_clerk_pages_fit_a_phone(tab: Any, mobile_data: dict[str, Any], shot: Any) -> None:
    _sign_in(tab, "clerk-nanguan")
    _check(tab, shot, "/workspace/", "workspace")
    _check(tab, shot, "/workbench/", "inbox")
    cases = _links(tab, "main tbody a.mono")
    assert cases
    _check(tab, shot, cases[0], "case-actions")


def test_kiosk_fits_a_tablet(tab: Any, mobile_data: dict[str, Any], shot: Any) -> None:
    tab.set_viewport_size(TABLET)
    _check(tab, shot, "/kiosk/", "choose")
    _check(tab, shot, "/kiosk/220100-GA-GG-001/", "identify")
    tab.get_by_label("用户名").fill("citizen")
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录并继续").click()
    tab.wait_for_url(re.compile(r".*/confirm/$"))
    shot(tab, "confirm")
    m = tab.evaluate(MEASURE)
    assert m["page"] <= m["screen"], m
    # The file chooser is a touch target on the terminal, not the browser's small button.
    file_input = tab.locator("main input[type=file]").first
    if file_input.count():
        height = file_input.evaluate(
            "el => parseFloat(getComputedStyle(el, '::file-selector-button').minHeight)"
        )
        assert height >= 44
