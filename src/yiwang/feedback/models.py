"""好差评: one evaluation per case (一事一评).

The evaluation is the applicant's; staff never rate (the services refuse). The statistics
of `supervision` read `score` and `at` with the case's region, department and item, so
those stay on the case and are not copied here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.cases.models import Case
from yiwang.feedback.choices import (
    AppealStatus,
    RatingChannel,
    RectificationStatus,
    Score,
)
from yiwang.org.models import Department, Region


class Evaluation(models.Model):
    """The applicant's rating of one completed case: a level, the indicators they
    ticked (codes of the rules' indicator list) and an optional comment."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="evaluation", verbose_name="办件"
    )
    score = models.PositiveSmallIntegerField("评价等级", choices=Score.choices)
    indicators = models.JSONField("评价指标", default=list, blank=True)
    comment = models.TextField("评价内容", max_length=500, blank=True)
    channel = models.CharField("评价渠道", max_length=10, choices=RatingChannel.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="评价人",
    )
    real_name = models.BooleanField("实名评价", default=True)
    at = models.DateTimeField("评价时间")
    # An appeal the supervisor upheld (恶意差评): the row stays, the statistics leave it out.
    excluded = models.BooleanField("不计入统计", default=False)
    excluded_reason = models.CharField("不计入统计原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["score", "at"]),
            # the few ratings excluded on appeal (the statistics' refresh looks them up)
            models.Index(fields=["case"], condition=Q(excluded=True), name="evaluation_excluded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="evaluation_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class RatingLink(models.Model):
    """A signed rating link sent in the completion message (no sign-in, one use).

    The token is an HMAC (django.core.signing) over the case number and `nonce`; this
    row is what makes it work once (`used_at`) and what lets it be expired."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name="办件")
    nonce = models.CharField("随机数", max_length=32, unique=True)
    created_at = models.DateTimeField("生成时间")
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "评价链接"
        verbose_name_plural = "评价链接"

    def __str__(self) -> str:
        return f"{self.case_id}: {self.nonce[:6]}…"


class Rectification(models.Model):
    """差评整改: the task a bad rating opens for the responsible unit (the case's
    department), with a deadline in working days (feedback/transitions.py)."""

    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.PROTECT, related_name="rectification", verbose_name="差评"
    )
    # Denormalised from the case so that the scope filters are plain indexed columns.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划"
    )
    status = models.CharField(
        "状态", max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    version = models.PositiveIntegerField("版本", default=1)
    opened_at = models.DateTimeField("派发时间")
    opened_on = models.DateField("派发日期")
    deadline = models.DateField("整改期限")
    deadline_provisional = models.BooleanField("期限待定（节假日未公布）", default=False)
    answer = models.TextField("整改情况", blank=True)
    answered_at = models.DateTimeField("整改时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="整改人",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="办结人",
    )
    overdue = models.BooleanField("曾逾期", default=False)
    note = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.status}"


class CallBack(models.Model):
    """回访: who called the rater, when, and what came of it (real-name bad ratings
    need one before their rectification closes)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="call_backs", verbose_name="整改"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="回访人"
    )
    called_at = models.DateTimeField("回访时间")
    outcome = models.TextField("回访结果")
    satisfied = models.BooleanField("评价人认可整改", default=False)
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        ordering = ["called_at", "pk"]

    def __str__(self) -> str:
        return f"{self.rectification_id}: {self.called_at:%Y-%m-%d}"


class Appeal(models.Model):
    """申诉: the unit holds a bad rating to be malicious; the supervisor decides."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="appeals", verbose_name="整改"
    )
    reasons = models.TextField("申诉理由")
    status = models.CharField(
        "状态", max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申诉人"
    )
    filed_at = models.DateTimeField("申诉时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="裁定人",
    )
    decided_at = models.DateTimeField("裁定时间", null=True, blank=True)
    decision_note = models.TextField("裁定意见", blank=True)

    class Meta:
        verbose_name = "差评申诉"
        verbose_name_plural = "差评申诉"
        ordering = ["filed_at", "pk"]
        constraints = [
            # One appeal waits at a time (a rejected one may be followed by none: the
            # workflow allows one appeal per task).
            models.UniqueConstraint(
                fields=["rectification"],
                condition=Q(status="pending"),
                name="appeal_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rectification_id}: {self.status}"
