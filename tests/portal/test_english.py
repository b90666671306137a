"""A visitor who switches to English gets English chrome on the people's pages.

Names, item guides and other data stay Chinese; what the pages themselves say —
statuses, actions, kinds and levels, dates, the sign-in refusal — is English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.pages import english as _english
from tests.pages import visible_text as _visible
from tests.portal.approval import NANGUAN, submit_through_services
from tests.portal.conftest import FrozenClock
from yiwang.accounts.choices import UserKind
from yiwang.cases.choices import CaseAction, CaseStatus, Channel, Decision, SpecialProcedure
from yiwang.cases.services import perform_action
from yiwang.catalog.choices import (
    AcceptLevel,
    CaseType,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
)
from yiwang.org.choices import HallKind, RegionLevel, RoleScope
from yiwang.portal.labels import ACTION_CONTEXT, STATUS_CONTEXT, choice_label

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("choices", "context"),
    [
        (CaseStatus, STATUS_CONTEXT),
        (CaseAction, ACTION_CONTEXT),
        *(
            (c, "choice")
            for c in (
                SpecialProcedure,
                Channel,
                Decision,
                ItemType,
                CaseType,
                ServiceObject,
                AcceptLevel,
                OnlineDepth,
                MaterialForm,
                MaterialSource,
                RegionLevel,
                HallKind,
                RoleScope,
                UserKind,
            )
        ),
    ],
)
def test_every_choice_label_the_pages_show_has_english(choices: Any, context: str) -> None:
    with translation.override("en"):
        missing = [str(lab) for lab in choices.labels if choice_label(lab, context) == str(lab)]
    assert missing == [], "mark them in yiwang/portal/labels.py and translate them"
    with translation.override("zh-hans"):
        assert [choice_label(lab, context) for lab in choices.labels] == list(choices.labels)


def test_public_pages_in_english(world: dict[str, Any]) -> None:
    client = _english(Client())
    items = _visible(client.get("/items/"))
    assert "Promised case" in items
    assert "Instant case" in items
    assert "承诺件" not in items
    assert "即办件" not in items

    guide = _visible(client.get(f"/items/{NANGUAN}/"))
    assert "Administrative license" in guide
    assert "At this level's service hall" in guide
    assert "From the applicant" in guide
    for chinese in ("本级大厅受理", "申请人自备", "电子件"):  # 行政许可 is also in the law names
        assert chinese not in guide

    region = _visible(client.get("/directory/220102/"))
    assert "County (city, district) level" in region
    assert "Government service centre" in region
    assert "县（市、区）级" not in region


def test_sign_in_refusal_in_english(world: dict[str, Any]) -> None:
    client = _english(Client())
    response = client.post("/login/", {"username": "citizen", "password": "wrong-password"})
    text = _visible(response)
    assert response.status_code == 401
    assert "Wrong user name or password" in text
    assert "用户名或密码错误" not in text


def test_centre_and_workbench_in_english(
    world: dict[str, Any], as_user: Callable[[str], Client], frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    case_no = submit_through_services(world["citizen"], NANGUAN).case.case_no
    frozen.set("2026-09-15")
    perform_action(case_no, "accept", actor=world["clerk-nanguan"])

    citizen = _english(as_user("citizen"))
    listing = _visible(citizen.get("/centre/cases/"))
    assert "Accepted" in listing
    assert "已受理" not in listing

    case = _visible(citizen.get(f"/centre/cases/{case_no}/"))
    assert "Submitted (awaiting acceptance)" in case  # the timeline's first entry
    assert "(Online)" in case
    assert "Sept. 21, 2026" in case  # the promised date, in the timeline's sentence
    for chinese in ("已受理", "已提交（待受理）", "受理", "2026年"):
        assert chinese not in case

    me = _visible(citizen.get("/workspace/"))
    assert "Natural person" in me
    assert "自然人" not in me

    clerk = _english(as_user("clerk-nanguan"))
    inbox = _visible(clerk.get("/workbench/?status=all"))
    assert "Under review" in inbox  # the status filter
    assert "审查中" not in inbox
    page = _visible(clerk.get(f"/workbench/cases/{case_no}/"))
    assert "Forward for review" in page
    assert "转报审查" not in page


def test_chinese_is_still_the_default(world: dict[str, Any]) -> None:
    items = _visible(Client().get("/items/"))
    assert "承诺件" in items
    assert "Promised case" not in items
