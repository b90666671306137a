"""The signed rating link of the closing message (feedback.services.links): it is in the
message, needs no sign-in, works once, expires after YIWANG_RATING_LINK_DAYS, and a
changed token is refused."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import CaseApi, FrozenClock
from tests.feedback.conftest import complete_nanguan
from yiwang.common.errors import DomainError
from yiwang.feedback.models import Evaluation, RatingLink
from yiwang.feedback.services import open_rating_link, purge_rating_links, rate_by_link
from yiwang.feedback.services.links import DEFAULT_KEEP_DAYS, DEFAULT_LINK_DAYS
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def _token(case_no: str) -> str:
    bodies = Message.objects.filter(object_id=case_no, subject="办件已办结").values_list(
        "body", flat=True
    )
    found = [m.group(1) for body in bodies if (m := re.search(r"/rate/([^/\s]+)/", body))]
    assert len(found) == 1, list(bodies)
    return found[0]


def _code(call: object) -> str:
    with pytest.raises(DomainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code


def test_the_link_days_default_is_pinned() -> None:
    assert DEFAULT_LINK_DAYS == 15


def test_the_completion_message_carries_a_link_that_rates_once(
    api: CaseApi, nanguan_case: str
) -> None:
    token = _token(nanguan_case)
    opened = open_rating_link(token)
    assert opened.case_no == nanguan_case
    evaluation = rate_by_link(token, score=5, indicators=["guide"])
    assert (evaluation.channel, evaluation.rated_by.username) == ("link", "citizen")
    assert evaluation.real_name is True  # the link is the applicant's own: a call-back is due
    assert RatingLink.objects.get().used_at is not None
    assert _code(lambda: rate_by_link(token, score=1, comment="再来")) == "rating_link_used"
    assert _code(lambda: open_rating_link(token)) == "rating_link_used"
    assert Evaluation.objects.count() == 1


def test_a_case_rated_elsewhere_cannot_be_rated_by_its_link(
    api: CaseApi, nanguan_case: str
) -> None:
    token = _token(nanguan_case)
    response = api.client.post(
        f"/api/v1/cases/{nanguan_case}/evaluation",
        {"score": 4},
        content_type="application/json",
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    assert response.status_code == 201
    assert _code(lambda: rate_by_link(token, score=1, comment="x")) == "already_rated"


@pytest.mark.parametrize("where", ["signature", "payload"])
def test_a_changed_token_is_refused(api: CaseApi, nanguan_case: str, where: str) -> None:
    token = _token(nanguan_case)
    payload, _, signature = token.rpartition(":")
    if where == "signature":
        changed = f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    else:
        changed = f"{'e' if payload[0] != 'e' else 'f'}{payload[1:]}:{signature}"
    assert _code(lambda: rate_by_link(changed, score=5)) == "bad_rating_link"
    assert _code(lambda: open_rating_link("not-a-token")) == "bad_rating_link"
    assert not Evaluation.objects.exists()


def test_a_token_for_another_case_number_is_refused(api: CaseApi, nanguan_case: str) -> None:
    from yiwang.feedback.services import make_token

    link = RatingLink.objects.get()
    forged = make_token("220102-20260915-999999", link.nonce)  # signed, but the wrong case
    assert _code(lambda: rate_by_link(forged, score=5)) == "bad_rating_link"
    assert _code(lambda: open_rating_link(forged)) == "bad_rating_link"


def test_the_link_expires_after_the_configured_days(
    api: CaseApi, frozen: FrozenClock, settings: object
) -> None:
    case_no = complete_nanguan(api, frozen, day="2026-09-15")
    token = _token(case_no)
    frozen.set("2026-09-29")  # 14 days later, the same hour: still usable
    assert open_rating_link(token).case_no == case_no
    frozen.set("2026-09-30")  # 15 days: expired
    assert _code(lambda: rate_by_link(token, score=5)) == "rating_link_expired"
    assert not Evaluation.objects.exists()


def test_long_expired_links_are_purged_and_still_answer_expired(
    api: CaseApi, frozen: FrozenClock
) -> None:
    assert DEFAULT_KEEP_DAYS == 90
    old = complete_nanguan(api, frozen, day="2026-06-01")  # expires 16 June
    token = _token(old)
    recent = complete_nanguan(api, frozen, day="2026-09-01")
    frozen.set("2026-09-13")  # 89 days after 16 June: kept
    assert purge_rating_links() == 0
    frozen.set("2026-09-15")  # 91 days: the old one goes, the recent one stays
    assert purge_rating_links() == 1
    assert list(RatingLink.objects.values_list("case__case_no", flat=True)) == [recent]
    # a genuine token whose row is gone: expired, not "changed"
    assert _code(lambda: open_rating_link(token)) == "rating_link_expired"
    assert _code(lambda: rate_by_link(token, score=5)) == "rating_link_expired"
    assert not Evaluation.objects.exists()


def test_the_link_page_rates_without_signing_in(api: CaseApi, nanguan_case: str) -> None:
    from django.test import Client

    token = _token(nanguan_case)
    anonymous = Client()
    page = anonymous.get(f"/rate/{token}/")
    assert page.status_code == 200
    assert nanguan_case in page.content.decode()
    done = anonymous.post(f"/rate/{token}/", {"score": "2", "indicators": ["attitude"]})
    assert done.status_code == 200, done.content.decode()[:500]
    assert Evaluation.objects.get().score == 2
    again = anonymous.get(f"/rate/{token}/")
    assert again.status_code == 409


def test_a_refusal_message_carries_a_link_a_withdrawal_none(
    api: CaseApi, frozen: FrozenClock
) -> None:
    from tests.cases import items

    frozen.set("2026-09-15")
    refused = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", refused, "refuse", comment="不属于本机关职权范围")
    withdrawn = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("citizen", withdrawn, "withdraw")
    bodies = dict(Message.objects.values_list("object_id", "body"))
    assert "/rate/" in bodies[refused]
    assert "/rate/" not in bodies[withdrawn]
    assert list(RatingLink.objects.values_list("case__case_no", flat=True)) == [refused]


def test_the_staff_nav_links_the_rectifications(api: CaseApi) -> None:
    from django.test import Client

    staff = Client()
    assert staff.login(username="reviewer-nanguan", password="yiwang-demo-2026")
    assert 'href="/rectifications/"' in staff.get("/workbench/").content.decode()
