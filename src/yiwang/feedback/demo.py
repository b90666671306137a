"""The demo's 好差评 (called by `yiwang seed demo` through portal.demo): the demo
citizen's completed residence proof rated 非常满意 on the web; two 南关区 permits taken
through the workflow and rated badly — one with its rectification open for
reviewer-nanguan, one appealed by the unit and waiting for the supervisor. Idempotent:
nothing is made once the demo citizen has rated anything."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseStatus
from yiwang.cases.models import Case
from yiwang.cases.services import MaterialRef, perform_action, submit_case
from yiwang.catalog.selectors import get_active_item
from yiwang.feedback.choices import RatingChannel
from yiwang.feedback.models import Evaluation
from yiwang.feedback.services import act_on_rectification, rate_case
from yiwang.uploads.services import store_upload

_PDF = b"%PDF-1.4\n% Yiwang demo material\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PERMIT = "220102-ZJ-XK-001"  # 南关区: 临时占用城市道路 (housing department)
PERMIT_FORM = {
    "purpose": "搬家",
    "location": "南关区人民大街 1000 号",
    "area_m2": 12,
    "date_from": "2026-12-20",
    "date_to": "2026-12-21",
}
NAMES = ("citizen", "clerk-nanguan", "reviewer-nanguan")


def _completed_permit(users: dict[str, User]) -> str:
    citizen = users["citizen"]
    item = get_active_item(PERMIT)
    materials = [
        MaterialRef(
            m.code,
            str(
                store_upload(
                    SimpleUploadedFile(f"{m.name}.pdf", _PDF, "application/pdf"), owner=citizen
                ).pk
            ),
        )
        for m in item.materials.all()
        if m.required
    ]
    case = submit_case(
        actor=Actor.of(citizen), item_code=PERMIT, form=PERMIT_FORM, materials=materials
    ).case
    clerk, reviewer = Actor.of(users["clerk-nanguan"]), Actor.of(users["reviewer-nanguan"])
    perform_action(case.case_no, "accept", actor=clerk, comment="材料齐全")
    perform_action(case.case_no, "approve", actor=reviewer, comment="符合条件")
    perform_action(case.case_no, "issue", actor=reviewer)
    perform_action(case.case_no, "deliver", actor=clerk, method="window")
    return case.case_no


def seed_demo_feedback(*, actor: Actor) -> int:
    """Make the demo ratings (see the module docstring); returns how many."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=NAMES)}
    if set(users) != set(NAMES):
        return 0
    citizen = users["citizen"]
    if Evaluation.objects.filter(case__applicant=citizen).exists():
        return 0
    made = 0
    rater = Actor.of(citizen)
    done = Case.objects.filter(applicant=citizen, status=CaseStatus.COMPLETED).order_by("pk")
    for case_no in done.values_list("case_no", flat=True)[:1]:
        rate_case(
            case_no,
            score=5,
            indicators=["timeliness", "process"],
            comment="网上办理，当场出证明，很方便。",
            channel=RatingChannel.WEB,
            actor=rater,
        )
        made += 1
    slow = _completed_permit(users)
    rate_case(
        slow,
        score=2,
        indicators=["timeliness", "guide"],
        comment="办事指南没写清楚要现场勘查，多跑了一趟。",
        channel=RatingChannel.WEB,
        actor=rater,
    )
    disputed = _completed_permit(users)
    bad = rate_case(
        disputed,
        score=1,
        indicators=["attitude"],
        comment="窗口人员态度极差！！！",
        channel=RatingChannel.LINK,
        actor=rater,
    )
    act_on_rectification(
        bad.rectification.pk,
        "appeal",
        actor=Actor.of(users["reviewer-nanguan"]),
        comment="经调取窗口录像，工作人员全程文明服务；申请人因占道位置未获同意而给出差评，属恶意差评。",
    )
    return made + 2
