"""Cases (办件) and their history, supplement notices, suspensions,
case-number counters, and the reference data the automatic checks read.

No business flow lives here: `cases.services` is the only writer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.cases.choices import (
    TERMINAL_STATUSES,
    CaseStatus,
    Channel,
    Decision,
    EventKind,
    SpecialProcedure,
)
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.org.models import Department, Region, ServiceHall


class Case(models.Model):
    # Unique through Meta.constraints: the same index, without the pattern-ops twin
    # PostgreSQL would get for `unique=True` (nobody searches case numbers by prefix).
    case_no = models.CharField("办件编号", max_length=32)
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    # The clerk who submitted at a window or station for the applicant (代办).
    on_behalf_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_submitted_for_others",
        db_index=False,
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=24, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    version = models.PositiveIntegerField("版本", default=1)
    form = models.JSONField("申请表", default=dict, blank=True)
    delivery_method = models.ForeignKey(
        DeliveryMethod,
        verbose_name="送达方式",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )

    # Where the case is handled, fixed at submission (denormalised from the item so that
    # the scope filters are plain indexed columns).
    department = models.ForeignKey(
        Department,
        verbose_name="实施部门",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    region = models.ForeignKey(
        Region,
        verbose_name="实施区划",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    # The hall where the department is stationed (its window accepts own-hall items).
    hall = models.ForeignKey(
        ServiceHall,
        verbose_name="进驻大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    # For items accepted at a township/village station: the township the case was
    # submitted to. Null for items accepted at the item's own hall.
    intake_region = models.ForeignKey(
        Region,
        verbose_name="代办受理站点所在区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_taken_in",
        db_index=False,
    )

    # The clock (all limits in working days, 行政许可法 Art. 82).
    submitted_at = models.DateTimeField("提交时间")
    # The day the complete materials arrived: the submission, or the last resubmission.
    arrived_on = models.DateField("材料收到日期")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    # The legal acceptance date the deadlines count from (a deemed acceptance is dated
    # the day the materials arrived, Art. 32).
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    deemed_accepted = models.BooleanField("视为受理", default=False)
    accepted_hall = models.ForeignKey(
        ServiceHall,
        verbose_name="受理大厅（站点）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    accepted_department = models.ForeignKey(
        Department,
        verbose_name="受理部门（站点）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    promised_deadline = models.DateField("承诺办结日期", null=True, blank=True)
    legal_deadline = models.DateField("法定办结日期", null=True, blank=True)
    issue_deadline = models.DateField("制证送达期限", null=True, blank=True)
    deadlines_provisional = models.BooleanField("期限待定（日历未发布）", default=False)
    # The limits this case was accepted under (working days; the promised one is 0 for
    # an instant item): a later change of the catalog does not move its deadlines, and
    # they can be counted again when a year's holiday notice is published.
    promised_limit_days = models.PositiveSmallIntegerField("受理时承诺期限", null=True, blank=True)
    legal_limit_days = models.PositiveSmallIntegerField("受理时法定期限", null=True, blank=True)
    paused_workdays = models.PositiveSmallIntegerField("特别程序暂停工作日", default=0)
    extension_workdays = models.PositiveSmallIntegerField("延长工作日", default=0)
    extension_reason = models.CharField("延长理由", max_length=500, blank=True)
    # The deadline that governs the case in its current status (acceptance window,
    # promised limit, issue limit); kept on the row so the inbox sorts by an index.
    due_on = models.DateField("当前环节期限", null=True, blank=True)
    # While a special procedure runs: the day it started (the clock stands still).
    suspended_on = models.DateField("特别程序开始日期", null=True, blank=True)
    current_step = models.CharField("当前环节", max_length=60, blank=True)
    # The staff member responsible for the current stage (cases.responsible), kept by
    # every event: the monitor's staff load and the cards read it.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="当前环节经办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    issued_at = models.DateTimeField("制证时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    decision = models.CharField(
        "决定", max_length=10, choices=Decision.choices, blank=True, default=""
    )
    result_text = models.TextField("办理结果", blank=True)
    refusal_reason = models.TextField("不予受理/不予许可理由", blank=True)
    delivered_method = models.ForeignKey(
        DeliveryMethod,
        verbose_name="实际送达方式",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    carrier = models.CharField("承运单位", max_length=60, blank=True)
    tracking_no = models.CharField("快递单号", max_length=40, blank=True)

    # Only a keyed digest of the query code is stored; the code is shown once.
    query_code_digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["case_no"], name="case_no_unique")]
        # Each index costs every submission an insert. The foreign keys these lead with
        # have no index of their own; those that are empty at submission (acceptance,
        # on-behalf clerk) are indexed only where set; the delivery methods (a handful
        # of rows, never deleted) not at all.
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant_idx"),
            models.Index(fields=["department", "status", "due_on", "id"], name="case_dept_idx"),
            models.Index(fields=["hall", "status", "due_on", "id"], name="case_hall_idx"),
            models.Index(
                fields=["intake_region", "status", "due_on", "id"], name="case_intake_idx"
            ),
            models.Index(fields=["region", "status", "due_on", "id"], name="case_region_idx"),
            models.Index(fields=["status", "arrived_on"], name="case_status_arrived_idx"),
            models.Index(
                fields=["accepted_hall"],
                condition=models.Q(accepted_hall__isnull=False),
                name="case_accepted_hall_idx",
            ),
            models.Index(
                fields=["accepted_department"],
                condition=models.Q(accepted_department__isnull=False),
                name="case_accepted_dept_idx",
            ),
            models.Index(
                fields=["on_behalf_by"],
                condition=models.Q(on_behalf_by__isnull=False),
                name="case_on_behalf_idx",
            ),
            # The open cases only, with every column the live monitor groups by: its
            # province overview reads this index alone (docs/decisions/0025).
            models.Index(
                fields=["region", "status", "due_on"],
                include=[
                    "department",
                    "hall",
                    "item",
                    "responsible",
                    "suspended_on",
                    "promised_limit_days",
                    "deadlines_provisional",
                    "arrived_on",
                ],
                condition=~models.Q(status__in=sorted(TERMINAL_STATUSES)),
                name="case_open_idx",
            ),
            # The few cases whose deadlines wait for a year's holiday notice.
            models.Index(
                fields=["id"],
                condition=models.Q(deadlines_provisional=True),
                name="case_provisional_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.case_no


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material_code = models.CharField("材料编码", max_length=40)
    material_name = models.CharField("材料名称", max_length=200)
    # PROTECT: a file that is part of a case file is never deleted under it.
    upload = models.ForeignKey(
        "uploads.Upload",
        verbose_name="上传文件",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    file_name = models.CharField("文件名", max_length=255, blank=True)
    # Or a license of the applicant's from the library (免提交, decision 0022): its
    # identifier, and the facts the library verified at submission (type, version,
    # issuer, validity, status then). Text, not a foreign key: cases does not import
    # licenses, and the case file keeps what was presented even if the license changes.
    license_identifier = models.CharField("电子证照标识", max_length=120, blank=True)
    license_facts = models.JSONField("电子证照（提交时核验）", default=dict, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    # A resubmission supersedes the earlier file of the same material; both are kept.
    superseded = models.BooleanField("已被替换", default=False)

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(upload__isnull=False) & Q(license_identifier=""))
                | (Q(upload__isnull=True) & ~Q(license_identifier="")),
                name="case_material_file_or_license",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.material_code}"

    @property
    def is_license(self) -> bool:
        return bool(self.license_identifier)


class CaseEvent(models.Model):
    """One entry of the case's timeline, which the applicant sees (hand-offs included)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=EventKind.choices)
    action = models.CharField("动作", max_length=24, blank=True)
    from_status = models.CharField("原状态", max_length=24, blank=True)
    to_status = models.CharField("新状态", max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where the actor acted from (hall, station or department name), or 系统 / 申请人.
    unit = models.CharField("办理单位", max_length=100, blank=True)
    comment = models.TextField("意见", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "办件记录"
        verbose_name_plural = "办件记录"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.action}"


class SupplementNotice(models.Model):
    """一次性告知 (Art. 32): every missing or defective material in one notice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_notices")
    # [{"material": code, "name": ..., "reason": ...}]
    items = models.JSONField("需补正材料")
    comment = models.TextField("说明", blank=True)
    issued_at = models.DateTimeField("告知时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("补正时间", null=True, blank=True)

    class Meta:
        verbose_name = "补正告知"
        verbose_name_plural = "补正告知"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} 补正告知"


class Suspension(models.Model):
    """A special procedure (Art. 45): the days it takes are not counted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField("特别程序", max_length=20, choices=SpecialProcedure.choices)
    reason = models.TextField("事由")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    workdays = models.PositiveSmallIntegerField("不计算的工作日", null=True, blank=True)

    class Meta:
        verbose_name = "特别程序"
        verbose_name_plural = "特别程序"
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="one_open_suspension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseNumberCounter(models.Model):
    """The last case number given out per region and day (one row, upserted atomically)."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "办件编号计数"
        verbose_name_plural = "办件编号计数"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "day"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_code}-{self.day:%Y%m%d} {self.last}"


class TravelDocument(models.Model):
    """Reference copy of exit-entry documents on record (出入境证件), read by the automatic
    checks of instant items. A real adapter to the public-security system replaces it."""

    holder_id_number = models.CharField("持证人身份号码", max_length=18, db_index=True)
    kind = models.CharField("证件类型", max_length=30)  # e.g. hk_macao_pass
    number = models.CharField("证件号码", max_length=20)
    valid_until = models.DateField("有效期至")

    class Meta:
        verbose_name = "出入境证件（参考数据）"
        verbose_name_plural = "出入境证件（参考数据）"
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="travel_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class ExitRestriction(models.Model):
    """Reference copy of exit restrictions (限制出境) on record; same caveat as above."""

    holder_id_number = models.CharField("被限制人身份号码", max_length=18, db_index=True)
    authority = models.CharField("决定机关", max_length=100)
    since = models.DateField("起始日期")
    until = models.DateField("截止日期", null=True, blank=True)

    class Meta:
        verbose_name = "限制出境（参考数据）"
        verbose_name_plural = "限制出境（参考数据）"

    def __str__(self) -> str:
        return f"{self.authority} {self.since}"
