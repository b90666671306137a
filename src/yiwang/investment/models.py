"""Investment projects, the category rules that classify them, their code counters and
their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.investment.choices import Category, EventKind, Funding, Level, ProjectStatus


class CategoryRule(models.Model):
    """One row of the category and level rules (investment/data/rules.json), read in
    priority order: the first whose conditions all hold decides (docs/investment.md)."""

    code = models.SlugField("规则编码", max_length=60, unique=True)
    name = models.CharField("规则名称", max_length=200)
    priority = models.PositiveIntegerField("优先级", unique=True)
    category = models.CharField("项目类别", max_length=20, choices=Category.choices)
    #: A Level, or "region": the level of the project's location.
    level = models.CharField("管理层级", max_length=20)
    conditions = models.JSONField("条件", default=dict)
    basis = models.CharField("依据", max_length=300, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["priority"]
        verbose_name = verbose_name_plural = "项目类别与层级规则"

    def __str__(self) -> str:
        return f"{self.priority} {self.name}"


class ProjectCodeCounter(models.Model):
    """The last serial given per (year, region, industry, project type): the NNNNNN of
    the old project code. Advanced by one upsert inside the registration."""

    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(max_length=6)
    industry = models.CharField(max_length=2)
    project_type = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_code", "industry", "project_type"],
                name="investment_code_counter_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.region_code}-{self.industry}-{self.project_type}: {self.last}"


class Project(models.Model):
    code = models.CharField("项目代码", max_length=24, unique=True)
    name = models.CharField("项目名称", max_length=200)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="项目单位账户",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investment_projects",
    )
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name="项目单位（政府部门）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_investment_projects",
    )
    owner_name = models.CharField("项目单位", max_length=200)
    owner_code = models.CharField("项目单位统一社会信用代码", max_length=18)
    region = models.ForeignKey(
        "org.Region", verbose_name="建设地点", on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField("行业代码", max_length=2)
    content = models.TextField("建设规模及内容")
    total_investment = models.DecimalField("总投资（万元）", max_digits=14, decimal_places=2)
    funding = models.CharField("资金来源", max_length=20, choices=Funding.choices)
    government_investment = models.DecimalField(
        "政府投资（万元）", max_digits=14, decimal_places=2, default=0
    )
    planned_start = models.DateField("计划开工")
    planned_end = models.DateField("计划竣工")
    category = models.CharField("项目类别", max_length=20, choices=Category.choices)
    level = models.CharField("管理层级", max_length=20, choices=Level.choices)
    competent_region = models.ForeignKey(
        "org.Region",
        verbose_name="主管区划",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    competent_department = models.ForeignKey(
        "org.Department",
        verbose_name="投资主管部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competent_investment_projects",
    )
    decided_by = models.ForeignKey(
        CategoryRule, verbose_name="决定类别的规则", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.REGISTERED
    )
    version = models.PositiveIntegerField("版本", default=1)
    #: The identifier of the current filing certificate (an e-license), once filed.
    certificate = models.CharField("备案证明证照标识", max_length=120, blank=True)
    created_at = models.DateTimeField("赋码时间")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "投资项目"
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False, owner_department__isnull=True)
                | Q(owner_user__isnull=True, owner_department__isnull=False),
                name="investment_project_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(total_investment__gt=0)
                & Q(government_investment__gte=0)
                & Q(government_investment__lte=models.F("total_investment")),
                name="investment_project_amounts",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="investment_project_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_user", "-created_at"], name="investment_owner_idx"),
            models.Index(
                fields=["competent_department", "-created_at"], name="investment_competent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectEvent(models.Model):
    """The history of a project: each version as it was (registration, filing, every
    change, cancellation), never rewritten."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)
    snapshot = models.JSONField(default=dict)
    certificate = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["project", "id"]
        indexes = [models.Index(fields=["project", "id"], name="investment_event_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.version} {self.kind}"
