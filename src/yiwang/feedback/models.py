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
from yiwang.feedback.choices import RatingChannel, Score


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

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        indexes = [models.Index(fields=["at"]), models.Index(fields=["score", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="evaluation_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"
