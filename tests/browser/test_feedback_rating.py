"""好差评 in a real Chromium: the citizen opens a completed case in the centre, rates it
(level, indicators, comment) and sees the rating in place of the form."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.accounts.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_citizen_rates_a_completed_case_in_the_centre(
    approval_data: dict[str, Any], page: Any, shot: Any
) -> None:
    from yiwang.cases.models import Case
    from yiwang.cases.services import seed_demo_cases
    from yiwang.feedback.models import Evaluation

    seed_demo_cases(actor=Actor.system("test"))
    case = Case.objects.get(applicant__username="citizen", status="completed")

    page.goto(page.base_url + "/login/")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill("yiwang-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/")
    page.goto(f"{page.base_url}/centre/cases/{case.case_no}/")
    form = page.locator("#rating")
    assert "评价本次服务（好差评）" in form.inner_text()
    form.get_by_label("满意", exact=True).check()
    form.get_by_label("服务态度").check()
    form.get_by_label("办理时效").check()
    form.get_by_label("评价内容（可不填，500 字以内）").fill("网上办理很方便")
    shot(page, "1-form")
    form.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/centre/cases/{case.case_no}/")
    shown = page.locator("#rating").inner_text()
    assert "我的评价" in shown
    assert "服务态度、办理时效" in shown
    assert "网上办理很方便" in shown
    assert "感谢您的评价" in page.inner_text("main")
    shot(page, "2-rated")
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.score, evaluation.channel, evaluation.indicators) == (
        4,
        "web",
        ["attitude", "timeliness"],
    )
