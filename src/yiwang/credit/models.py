"""Enterprise credit information publicity (企业信息公示): the registry of market
entities, what departments publish about them, what they publish themselves (annual
reports, immediate information), the lists, and the aggregates of the public site.

The name search indexes (a pg_trgm and a bigram GIN index on PostgreSQL, two FTS5
tables on SQLite) are not models: migration 0002 creates them, `selectors` reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from yiwang.credit.choices import (
    ApplicationStatus,
    DisclosureKind,
    DisclosureSource,
    EnterpriseKind,
    EnterpriseStatus,
    EntryStatus,
    EventKind,
    ImmediateInfoKind,
    ListCause,
    ListKind,
    LoadKind,
    LoadStatus,
    OperatingStatus,
    RemovalCause,
)


def money(verbose_name: str, **options: object) -> models.DecimalField:
    """An amount in 万元 (ten thousand yuan), as the registry and the reports state it."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=4, **options)  # type: ignore[arg-type]


class Enterprise(models.Model):
    """A market entity of the registration source (市场主体登记信息), public by law.

    Loaded and kept current by the bulk loader (upsert by USCC; `content_hash` tells an
    unchanged row from a changed one). `abnormal`/`serious`/`exposed` mirror the active
    list entries, written by the same services in the same transaction, so a search
    result can show them without a join.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200, db_index=True)
    kind = models.CharField("类型", max_length=24, choices=EnterpriseKind.choices)
    legal_representative = models.CharField("法定代表人（负责人）", max_length=100)
    registered_capital = money("注册资本（万元）", null=True, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    region_code = models.CharField("登记地区划代码", max_length=6)
    registration_authority = models.CharField("登记机关", max_length=100, blank=True)
    established_on = models.DateField("成立日期")
    approved_on = models.DateField("核准日期", null=True, blank=True)
    term_to = models.DateField("营业期限至", null=True, blank=True)
    status = models.CharField(
        "登记状态", max_length=12, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE
    )
    business_scope = models.TextField("经营范围", blank=True)
    abnormal = models.BooleanField("在经营异常名录", default=False)
    serious = models.BooleanField("在严重违法失信名单", default=False)
    exposed = models.BooleanField("已曝光", default=False)
    content_hash = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"

    def __str__(self) -> str:
        return self.name


class Disclosure(models.Model):
    """A record a department publishes about an enterprise: a license, a penalty, a
    spot-check result, a pledge registration, ... (企业信息公示暂行条例 Art. 6, 7, 14).

    Corrections keep history: each version a correction replaced is a `DisclosureRevision`. A
    withdrawn record (e.g. a penalty annulled on review) leaves the public site and
    stays here with its reason.
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="disclosures", verbose_name="市场主体"
    )
    kind = models.CharField("类别", max_length=20, choices=DisclosureKind.choices)
    title = models.CharField("事项名称", max_length=200)
    document_no = models.CharField("文书号/证书编号", max_length=100, blank=True)
    content = models.TextField("内容", blank=True)
    result = models.CharField("处罚种类/检查结果", max_length=200, blank=True)
    amount = money("金额（万元）", null=True, blank=True)
    legal_basis = models.CharField("法律依据", max_length=500)
    decided_on = models.DateField("决定/登记/检查日期")
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name="公示部门"
    )
    source = models.CharField(
        "来源", max_length=12, choices=DisclosureSource.choices, default=DisclosureSource.MANUAL
    )
    source_ref = models.CharField("来源系统编号", max_length=100, blank=True)
    published_at = models.DateTimeField("公示时间", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="公示人",
    )
    version = models.PositiveIntegerField("版本", default=1)
    corrected_at = models.DateTimeField("最近更正", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.CharField("撤回理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "部门公示信息"
        verbose_name_plural = "部门公示信息"
        indexes = [models.Index(fields=["enterprise", "kind"], name="credit_disclosure_ent_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "source_ref"],
                condition=~Q(source_ref=""),
                name="credit_disclosure_source_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class DisclosureRevision(models.Model):
    """A version of a disclosure that a correction replaced: its content as it was
    published, why and by whom it was replaced. The current version is the row itself."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("内容")
    reason = models.CharField("更正理由", max_length=500, blank=True)
    # Who replaced this version, and when.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "公示信息版本"
        verbose_name_plural = "公示信息版本"
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "version"], name="credit_disclosure_rev")
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id} v{self.version}"


class AnnualReport(models.Model):
    """An enterprise's annual report for `year` (企业信息公示暂行条例 Art. 8-9).

    Items (一)-(六) of Art. 9 are public; the financial figures (七) only if the
    enterprise chooses (`financials_public`). Filed after 30 June of the next year is
    `late`. Corrections keep history (`AnnualReportRevision`).
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="annual_reports", verbose_name="市场主体"
    )
    year = models.PositiveSmallIntegerField("年度")
    filed_at = models.DateTimeField("报送时间", default=timezone.now)
    filed_on = models.DateField("报送日期")
    late = models.BooleanField("逾期报送", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    address = models.CharField("通信地址", max_length=300)
    postal_code = models.CharField("邮政编码", max_length=6)
    phone = models.CharField("联系电话", max_length=20)
    email = models.CharField("电子邮箱", max_length=100, blank=True)
    operating_status = models.CharField("存续状态", max_length=12, choices=OperatingStatus.choices)
    employees = models.PositiveIntegerField("从业人数")
    website = models.CharField("网站或网店", max_length=200, blank=True)
    has_external_investment = models.BooleanField("有对外投资设立企业或购买股权", default=False)
    has_equity_transfer = models.BooleanField("有股权转让", default=False)
    provides_guarantee = models.BooleanField("有对外提供保证担保", default=False)
    contributions = models.JSONField("股东（发起人）出资信息", default=list, blank=True)
    investments = models.JSONField("对外投资信息", default=list, blank=True)
    financials_public = models.BooleanField("公示资产状况信息", default=False)
    total_assets = money("资产总额")
    total_liabilities = money("负债总额")
    owners_equity = money("所有者权益合计")
    revenue = money("营业总收入")
    main_business_revenue = money("主营业务收入")
    total_profit = money("利润总额")
    net_profit = money("净利润")
    tax_paid = money("纳税总额")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="credit_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"


class AnnualReportRevision(models.Model):
    """A version of an annual report that a correction replaced (as for disclosures)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("内容")
    reason = models.CharField("修改理由", max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "年度报告版本"
        verbose_name_plural = "年度报告版本"
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="credit_report_rev")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}"


class ImmediateInfo(models.Model):
    """即时信息: published by the enterprise within 20 working days of the change
    (企业信息公示暂行条例 Art. 10); later is recorded as late."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="immediate_info", verbose_name="市场主体"
    )
    kind = models.CharField("类别", max_length=24, choices=ImmediateInfoKind.choices)
    changed_on = models.DateField("信息形成（变更）日期")
    content = models.TextField("内容")
    published_at = models.DateTimeField("公示时间", default=timezone.now)
    published_on = models.DateField("公示日期")
    due_on = models.DateField("应公示期限")
    late = models.BooleanField("逾期公示", default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "即时信息"
        verbose_name_plural = "即时信息"

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind} {self.changed_on}"


class ListEntry(models.Model):
    """An enterprise's membership of one list, from listing to removal.

    What happened to it is in its `ListEvent`s; every move can be reversed by
    authorised staff with a reason. An abnormal entry escalated after three years
    points to the serious entry that succeeded it (`escalated_to`).
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="list_entries", verbose_name="市场主体"
    )
    list_kind = models.CharField("名单", max_length=12, choices=ListKind.choices)
    cause = models.CharField("列入事由", max_length=24, choices=ListCause.choices)
    report_year = models.PositiveSmallIntegerField("未报年度", null=True, blank=True)
    reason = models.TextField("列入理由")
    listed_on = models.DateField("列入日期")
    decision_due_on = models.DateField("应作出决定期限", null=True, blank=True)
    department = models.ForeignKey(
        "org.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="作出决定机关",
    )
    status = models.CharField(
        "状态", max_length=12, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_cause = models.CharField(
        "移出原因", max_length=12, choices=RemovalCause.choices, blank=True
    )
    removal_reason = models.TextField("移出理由", blank=True)
    reminder_on = models.DateField("届满提醒公示日期", null=True, blank=True)
    escalated_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_from",
        verbose_name="转列后的严重违法失信名单记录",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "名单记录"
        verbose_name_plural = "名单记录"
        indexes = [
            models.Index(fields=["list_kind", "status", "listed_on"], name="credit_entry_sweep"),
        ]
        constraints = [
            # One active entry per enterprise, list and cause (and report year): the
            # sweep can run twice, two clerks can press "list" at once.
            models.UniqueConstraint(
                fields=["enterprise", "list_kind", "cause", "report_year"],
                condition=Q(status="active") & Q(report_year__isnull=False),
                name="credit_entry_active_year",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "list_kind", "cause"],
                condition=Q(status="active") & Q(report_year__isnull=True),
                name="credit_entry_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.list_kind} {self.cause}"


class ListEvent(models.Model):
    """One move of a list entry: listed, reminded, removal applied/refused, removed,
    escalated, or reversed (with the event it reverses)."""

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=EventKind.choices)
    on = models.DateField("日期")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("操作人", max_length=150)
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("理由", blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name="撤销的事项",
    )

    class Meta:
        verbose_name = "名单事项"
        verbose_name_plural = "名单事项"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind} {self.on}"


class RemovalApplication(models.Model):
    """An enterprise's application to be removed from the abnormal list after curing the
    cause (经营异常名录管理办法 Art. 11-13), decided within the configured working days."""

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="applications")
    statement = models.TextField("申请说明")
    applied_at = models.DateTimeField(default=timezone.now)
    applied_on = models.DateField("申请日期")
    due_on = models.DateField("应作出决定期限")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_label = models.CharField("决定人", max_length=150, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)

    class Meta:
        verbose_name = "移出申请"
        verbose_name_plural = "移出申请"
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="pending"), name="credit_one_pending_app"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.status}"


class DailyViews(models.Model):
    """How often an enterprise's public page was viewed on a day: an aggregate only,
    never who viewed it."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    day = models.DateField("日期")
    views = models.PositiveIntegerField("浏览次数", default=0)

    class Meta:
        verbose_name = "每日浏览量"
        verbose_name_plural = "每日浏览量"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "day"], name="credit_views_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day} {self.views}"


class RateCounter(models.Model):
    """Requests per address and window for the public site's rate limit. The key is a
    keyed hash of the scope and the address: no address is stored in the clear."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "访问频率计数"
        verbose_name_plural = "访问频率计数"
        indexes = [models.Index(fields=["window_start"], name="credit_rate_window")]
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="credit_rate_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.window_start} {self.hits}"


class LoadRun(models.Model):
    """One bulk load of a file, checkpointed after every committed batch so a crashed
    load resumes where it stopped. `fingerprint` identifies the file's content."""

    kind = models.CharField(max_length=12, choices=LoadKind.choices)
    fingerprint = models.CharField(max_length=64)
    file_name = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=LoadStatus.choices, default=LoadStatus.RUNNING)
    byte_offset = models.BigIntegerField("已提交到的字节位置", default=0)
    line_no = models.BigIntegerField("已提交到的行号", default=0)
    batches = models.PositiveIntegerField(default=0)
    inserted = models.BigIntegerField(default=0)
    updated = models.BigIntegerField(default=0)
    unchanged = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = "批量导入"
        verbose_name_plural = "批量导入"
        indexes = [models.Index(fields=["kind", "fingerprint"], name="credit_load_fp")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.status}"


class SweepMark(models.Model):
    """A completed yearly sweep (e.g. "abnormal:2025"), so later runs skip the scan."""

    name = models.CharField(max_length=40, primary_key=True)
    completed_at = models.DateTimeField()
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = "名单巡检记录"
        verbose_name_plural = "名单巡检记录"

    def __str__(self) -> str:
        return self.name
