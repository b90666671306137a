"""Tables of efficiency supervision (效能监察).

Lane blocks: each part of issue 12 appends its own classes in its own block.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.cases.models import Case
from yiwang.org.models import Department, Region, ServiceHall
from yiwang.supervision.choices import CardColour

# --- monitor and cards (lane M) -------------------------------------------------------


class Card(models.Model):
    """A yellow or red card (黄牌/红牌) issued to the staff responsible for an open case
    and their unit, once per case and colour (the unique constraint makes the sweep
    race-safe). Escalated to the region's supervisor when unanswered for
    YIWANG_CARD_ESCALATE_WORKDAYS working days; answered with an explanation."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="cards")
    colour = models.CharField("颜色", max_length=6, choices=CardColour.choices)
    # Where the case was when the card was issued (the monitor counts cards per unit).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    hall = models.ForeignKey(
        ServiceHall,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_status = models.CharField("当时状态", max_length=24)
    due_on = models.DateField("当时期限")
    issued_on = models.DateField("发牌日期")
    issued_at = models.DateTimeField("发牌时间")
    escalate_on = models.DateField("逾期未答复升级日期")
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    answer = models.TextField("情况说明", max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办牌"
        verbose_name_plural = "督办牌"
        constraints = [
            models.UniqueConstraint(fields=["case", "colour"], name="card_once_per_case_colour"),
            models.CheckConstraint(
                condition=Q(colour__in=CardColour.values), name="card_colour_known"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "colour"], name="card_department_idx"),
            models.Index(fields=["staff", "answered_at"], name="card_staff_idx"),
            models.Index(
                fields=["escalate_on"],
                condition=Q(answered_at__isnull=True, escalated_at__isnull=True),
                name="card_to_escalate_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} {self.case_id}"


# --- end of lane M ----------------------------------------------------------------------
