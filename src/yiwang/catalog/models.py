"""Service items (政务服务事项) as one authority at one region implements them (实施清单):
limits, materials, fees, delivery, and the process as data."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from yiwang.catalog.choices import (
    AcceptLevel,
    CaseType,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
)
from yiwang.org.models import Department, Region, Role


class DeliveryMethod(models.Model):
    """How a result reaches the applicant: window, post, self-print, e-license..."""

    code = models.SlugField("编码", max_length=20, primary_key=True)
    name = models.CharField("名称", max_length=40)
    needs_tracking = models.BooleanField("需要快递单号", default=False)

    class Meta:
        verbose_name = "送达方式"
        verbose_name_plural = "送达方式"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    code = models.CharField("实施编码", max_length=40, unique=True)
    basic_code = models.CharField("基本编码", max_length=40, blank=True)
    name = models.CharField("事项名称", max_length=200)
    item_type = models.CharField("事项类型", max_length=20, choices=ItemType.choices)
    department = models.ForeignKey(
        Department, verbose_name="实施主体", on_delete=models.PROTECT, related_name="items"
    )
    # The department's region, kept here so "items of a region" is one indexed filter.
    region = models.ForeignKey(
        Region,
        verbose_name="实施区划",
        on_delete=models.PROTECT,
        related_name="items",
        editable=False,
    )
    legal_basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    service_object = models.CharField(
        "服务对象", max_length=12, choices=ServiceObject.choices, default=ServiceObject.BOTH
    )
    legal_limit_days = models.PositiveSmallIntegerField("法定办结时限（工作日）")
    promised_limit_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）")
    limit_note = models.CharField("时限说明", max_length=200, blank=True)
    case_type = models.CharField("办件类型", max_length=10, choices=CaseType.choices)
    visits = models.PositiveSmallIntegerField("到办事现场次数")
    visits_reason = models.CharField("到现场原因", max_length=200, blank=True)
    online_depth = models.PositiveSmallIntegerField(
        "网办深度", choices=OnlineDepth.choices, default=OnlineDepth.FULL
    )
    accept_level = models.CharField(
        "受理层级", max_length=12, choices=AcceptLevel.choices, default=AcceptLevel.OWN_HALL
    )
    place = models.CharField("办理地点", max_length=200, blank=True)
    hours = models.CharField("办理时间", max_length=100, blank=True)
    consult_phone = models.CharField("咨询电话", max_length=40, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=40, blank=True)
    special_procedures = models.CharField("特别程序", max_length=200, blank=True)
    result_name = models.CharField("办理结果名称", max_length=100, blank=True)
    delivery_methods = models.ManyToManyField(DeliveryMethod, verbose_name="送达方式")
    # Extra fields of the application form, as data: [{"name", "label", "type", "required"}].
    form_fields = models.JSONField("申请表字段", default=list, blank=True)
    # Auto-decision rules of an instant item (cases evaluates them), as data.
    auto_rules = models.JSONField("自动审批规则", default=list, blank=True)
    is_active = models.BooleanField("在办", default=True)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["region__path", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=F("legal_limit_days")),
                name="item_promised_within_legal",
                violation_error_message="承诺时限不得超过法定时限",
            ),
            models.CheckConstraint(
                condition=Q(visits=0) | ~Q(visits_reason=""),
                name="item_visits_need_a_reason",
                violation_error_message="到办事现场次数不为 0 时，须说明到现场的原因",
            ),
            # 即办件 are decided on the day of acceptance (promised 0 working days);
            # 承诺件 promise at least one working day.
            models.CheckConstraint(
                condition=(Q(case_type=CaseType.INSTANT) & Q(promised_limit_days=0))
                | (Q(case_type=CaseType.PROMISED) & Q(promised_limit_days__gte=1)),
                name="item_instant_same_day_promised_at_least_one",
                violation_error_message="即办件当日办结，承诺时限应为 0；承诺件的承诺时限至少 1 个工作日",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stars(self) -> int:
        """星级, derived from on-site visits, never typed in: 0 -> 5, 1 -> 4, 2+ -> 3."""
        return 5 if self.visits == 0 else 4 if self.visits == 1 else 3


class Material(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField("材料编码", max_length=40)
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必要", default=True)
    form = models.CharField(
        "材料形式", max_length=12, choices=MaterialForm.choices, default=MaterialForm.ELECTRONIC
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    source = models.CharField(
        "来源渠道", max_length=20, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    # The e-license type that could satisfy this material once the license library exists.
    license_type_code = models.CharField("可用电子证照类型", max_length=21, blank=True)
    standard = models.CharField("受理标准", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["item", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="material_code_unique_per_item")
        ]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField("收费项目", max_length=100)
    standard = models.CharField("收费标准", max_length=200)
    basis = models.CharField("收费依据", max_length=300, blank=True)
    waiver = models.CharField("减免政策", max_length=300, blank=True)

    class Meta:
        verbose_name = "收费"
        verbose_name_plural = "收费"

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of the item's process: who acts, and its share of the promised time."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.SlugField("环节编码", max_length=30)
    name = models.CharField("环节名称", max_length=60)
    role = models.ForeignKey(Role, verbose_name="办理角色", on_delete=models.PROTECT)
    share_percent = models.PositiveSmallIntegerField("时限占比（%）")

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="step_order_unique_per_item"),
            models.CheckConstraint(
                condition=Q(share_percent__lte=100),
                name="step_share_at_most_100",
                violation_error_message="环节的时限占比不得超过 100（百分比）",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"
