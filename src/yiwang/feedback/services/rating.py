"""Rating a case (好差评, 一事一评): who may rate, what, and what a bad rating starts.

Rules (domain-rules.md §好差评; 国办发〔2019〕51号):

- only the applicant rates — the citizen or the enterprise account that applied; staff
  never, not even a case they applied for themselves (`staff_cannot_rate`);
- a case is rated once it has ended with a decision: completed, denied (不予许可) or
  refused (不予受理) — 51号 lets people rate every service, a refusal included; a
  withdrawn case had no service to rate (`cases.closing.RATEABLE_STATUSES`);
- one rating per case, through any channel (`already_rated`; the OneToOne makes a
  concurrent second rating fail in the database too);
- five levels, the indicators of `choices.Indicator`, a comment of at most
  `COMMENT_MAX` characters; a bad rating (≤ `BAD_RATING_AT_MOST`) names its reason
  (an indicator or a comment) and opens a rectification task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.accounts.models import StaffPost, User
from yiwang.cases import clock
from yiwang.cases.choices import CaseStatus
from yiwang.cases.closing import RATEABLE_STATUSES
from yiwang.cases.models import Case
from yiwang.cases.selectors import cases_visible_to
from yiwang.common import audit, idempotency, workdays
from yiwang.common.audit import record
from yiwang.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.feedback.choices import (
    BAD_RATING_AT_MOST,
    COMMENT_MAX,
    Indicator,
    RatingChannel,
    Score,
)
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.notify.services import notify
from yiwang.org.choices import RoleScope

#: Working days a unit has to put a bad rating right (domain-rules: local rules say 5
#: or 15); YIWANG_RECTIFICATION_WORKDAYS overrides it.
DEFAULT_RECTIFICATION_WORKDAYS = 5


def rectification_workdays() -> int:
    return int(getattr(settings, "YIWANG_RECTIFICATION_WORKDAYS", DEFAULT_RECTIFICATION_WORKDAYS))


def clean_rating(
    score: Any, indicators: Sequence[Any] | None, comment: str | None
) -> tuple[int, list[str], str]:
    """The rating's parts checked: a level of `Score`, known indicator codes (each
    once, in the order of the list), a comment within `COMMENT_MAX`."""
    if isinstance(score, bool) or not isinstance(score, int) or score not in Score.values:
        raise ValidationFailed(_("评价等级应为 1 到 5 的整数"), code="bad_score")
    codes: list[str] = []
    for code in indicators or []:
        if not isinstance(code, str) or code not in Indicator.values:
            raise ValidationFailed(
                _("未知的评价指标：%(code)s") % {"code": str(code)[:40]},
                code="unknown_indicator",
                allowed=list(Indicator.values),
            )
        if code not in codes:
            codes.append(code)
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("评价内容不能超过 %(comment_max)s 个字符") % {"comment_max": COMMENT_MAX},
            code="comment_too_long",
        )
    if score <= BAD_RATING_AT_MOST and not codes and not text:
        raise ValidationFailed(
            _("差评请至少选择一项评价指标或填写评价内容，以便整改"),
            code="bad_rating_reason_required",
        )
    return score, codes, text


def check_rater(actor: Actor) -> None:
    """Only an applicant account rates; staff (any post) and the platform never."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("请先登录"), code="sign_in_required")
    if actor.is_staff or not actor.is_applicant:
        raise PermissionDenied(_("工作人员不能评价办件"), code="staff_cannot_rate")


def rate_case(
    case_no: str,
    *,
    score: int,
    indicators: Sequence[str] | None = None,
    comment: str = "",
    channel: str,
    actor: Actor,
    real_name: bool = True,
    idempotency_key: str = "",
) -> Evaluation:
    """The applicant rates their case (POST /cases/{case_no}/evaluation, the centre's
    form, the kiosk). The same `idempotency_key` from the same actor returns the
    evaluation it made (`common.idempotency`)."""
    actor = as_actor(actor)
    return idempotency.create_once(
        "feedback.rate_case",
        actor=actor,
        key=idempotency_key,
        body={
            "case": case_no,
            "score": score,
            "indicators": list(indicators or []),
            "comment": comment,
            "channel": channel,
            "real_name": real_name,
        },
        model=Evaluation,
        create=lambda: _rate_own_case(
            case_no,
            score=score,
            indicators=indicators,
            comment=comment,
            channel=channel,
            actor=actor,
            real_name=real_name,
        ),
    )


def _rate_own_case(
    case_no: str,
    *,
    score: int,
    indicators: Sequence[str] | None,
    comment: str,
    channel: str,
    actor: Actor,
    real_name: bool,
) -> Evaluation:
    check_rater(actor)
    if channel not in RatingChannel.values:
        raise ValidationFailed(_("未知的评价渠道"), code="unknown_channel")
    parts = clean_rating(score, indicators, comment)
    with transaction.atomic(), audit.batch():
        case = (
            cases_visible_to(actor).select_for_update(of=("self",)).filter(case_no=case_no).first()
        )
        if case is None:
            raise NotFound(
                _("办件 %(case_no)s 不存在") % {"case_no": case_no}, code="case_not_found"
            )
        if case.applicant_id != actor.pk:  # defence: applicants see only their own
            raise PermissionDenied(_("只有申请人可以评价本办件"), code="not_the_applicant")
        return rate_locked_case(
            case,
            *parts,
            channel=channel,
            rated_by_id=actor.account.pk,
            actor=actor,
            real_name=real_name,
        )


def rate_locked_case(
    case: Case,
    score: int,
    indicators: list[str],
    comment: str,
    *,
    channel: str,
    rated_by_id: int,
    actor: Actor,
    real_name: bool,
) -> Evaluation:
    """Write the rating of a case the caller holds locked (inside its transaction):
    the status and once-per-case checks, the row, a rectification for a bad rating,
    the audit event."""
    if case.status not in RATEABLE_STATUSES:
        raise Conflict(
            _("办件当前状态为“%(status)s”，办结后才能评价")
            % {"status": CaseStatus(case.status).label},
            code="case_not_rateable",
            current_state=case.status,
        )
    if Evaluation.objects.filter(case_id=case.pk).exists():
        raise Conflict(_("本办件已评价，一事一评，不能重复评价"), code="already_rated")
    now = clock.now()
    evaluation = Evaluation(
        case=case,
        score=score,
        indicators=indicators,
        comment=comment,
        channel=channel,
        rated_by_id=rated_by_id,
        real_name=real_name,
        at=now,
    )
    try:
        with transaction.atomic():  # a savepoint: the race's loser gets the 409 below
            evaluation.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("本办件已评价，一事一评，不能重复评价"), code="already_rated") from None
    record(
        "feedback.rate",
        evaluation,
        actor=actor,
        after={"case": case.case_no, "score": score, "indicators": indicators, "channel": channel},
    )
    if score <= BAD_RATING_AT_MOST:
        open_rectification(evaluation, case, actor=actor)
    return evaluation


def open_rectification(evaluation: Evaluation, case: Case, *, actor: Actor) -> Rectification:
    """A bad rating's task for the responsible unit (the case's department), due
    `rectification_workdays()` working days after the rating day (the day itself not
    counted, as every period of 行政许可法 Art. 82)."""
    now = clock.now()
    today = clock.today()
    due = workdays.add(today, rectification_workdays())
    task = Rectification.objects.create(
        evaluation=evaluation,
        department_id=case.department_id,
        region_id=case.region_id,
        opened_at=now,
        opened_on=today,
        deadline=due.value,
        deadline_provisional=due.provisional,
    )
    record(
        "feedback.rectification.open",
        task,
        actor=actor,
        after={"case": case.case_no, "deadline": due.value.isoformat()},
    )
    for user in unit_staff(case.department_id):
        notify(
            user,
            subject=_("差评整改任务：%(case_no)s") % {"case_no": case.case_no},
            body=_(
                "办件 %(case_no)s（%(item)s）收到差评（%(score)s 星），请于 %(deadline)s 前"
                "完成整改并答复；实名评价须回访申请人。"
            )
            % {
                "case_no": case.case_no,
                "item": case.item.name,
                "score": evaluation.score,
                "deadline": f"{due.value:%Y-%m-%d}",
            },
            object_type="feedback.rectification",
            object_id=str(task.pk),
            actor=actor,
        )
    return task


def unit_staff(department_id: int) -> list[User]:
    """Who answers a rectification (`transitions.UNIT`): the holders of the
    department's own posts granting `unit:feedback:rectify` — not the region-wide
    supervisors, who decide appeals."""
    holders = StaffPost.objects.filter(
        post__department_id=department_id, user__is_active=True
    ).select_related("user", "post__role")
    chosen = {
        sp.user
        for sp in holders
        if Permission.FEEDBACK_RECTIFY.value in (sp.post.role.permissions or [])
        and sp.post.role.scope != RoleScope.REGION_BELOW
    }
    return sorted(chosen, key=lambda u: u.pk)
