"""Tables of efficiency supervision (效能监察).

The monitor's cards (黄牌/红牌: once per case and colour); the history seed's checkpoint,
one fact row per case (what the statistics need of it, kept in step with the case), the
daily rollup the statistics read and the rollup's watermark (decision 0024).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.cases.models import Case
from yiwang.org.models import Department, Region, ServiceHall
from yiwang.supervision.choices import CardColour, RankingKind

# --------------------------------------------------------------------------- monitor and cards


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


# --------------------------------------------------------------------------- history + statistics


class HistoryRun(models.Model):
    """The checkpoint of `yiwang seed history` for one seed: case indexes below `done`
    are written (each batch commits its rows and this row together), so a rerun with
    the same N adds nothing and a larger N adds the rest."""

    seed = models.PositiveIntegerField("随机种子", primary_key=True)
    years = models.PositiveSmallIntegerField("年数")
    start = models.DateField("起始日期")
    end = models.DateField("截止日期")
    done = models.PositiveBigIntegerField("已生成办件数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "历史办件生成进度"
        verbose_name_plural = "历史办件生成进度"

    def __str__(self) -> str:
        return f"seed {self.seed}: {self.done}"


class CaseFact(models.Model):
    """What the statistics count of one case, as of its `version` (decision 0024): the
    rollup is maintained by the difference between a case's old and new fact, so
    recounting a case twice changes nothing. Not a foreign key: the fact is derived,
    and the case table is never joined on the statistics path."""

    case_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveIntegerField()
    region_id = models.CharField(max_length=12)
    department_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    visits = models.PositiveSmallIntegerField()
    accepted_on = models.DateField(null=True)
    closed_on = models.DateField(null=True)
    # completed | denied | refused | withdrawn | "" (open)
    outcome = models.CharField(max_length=10, blank=True)
    used_days = models.IntegerField(null=True)
    promised_days = models.IntegerField(null=True)
    legal_days = models.IntegerField(null=True)
    on_time = models.BooleanField(default=False)
    ahead = models.BooleanField(default=False)
    suspended = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)
    rated_on = models.DateField(null=True)
    score = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = "办件统计事实"
        verbose_name_plural = "办件统计事实"

    def __str__(self) -> str:
        return f"{self.case_id}@{self.version}"


#: The counters of a rollup row (StatsDaily), in the order of the table.
COUNTERS = (
    "accepted",
    "online",
    "star5",
    "star4",
    "star3",
    "completed",
    "approved",
    "denied",
    "refused",
    "withdrawn",
    "on_time",
    "ahead",
    "suspended",
    "extended",
    "used_days",
    "promised_days",
    "legal_days",
    "rated",
    "score1",
    "score2",
    "score3",
    "score4",
    "score5",
)


class _Rollup(models.Model):
    """A rollup row: its key (the day, region, department, item and channel) and the
    counters (`COUNTERS`)."""

    day = models.DateField()
    region_id = models.CharField(max_length=12)
    department_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    accepted = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    star5 = models.IntegerField(default=0)
    star4 = models.IntegerField(default=0)
    star3 = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    denied = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    ahead = models.IntegerField(default=0)
    suspended = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    used_days = models.BigIntegerField(default=0)
    promised_days = models.BigIntegerField(default=0)
    legal_days = models.BigIntegerField(default=0)
    rated = models.IntegerField(default=0)
    score1 = models.IntegerField(default=0)
    score2 = models.IntegerField(default=0)
    score3 = models.IntegerField(default=0)
    score4 = models.IntegerField(default=0)
    score5 = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} {self.item_id} {self.channel}"


class StatsDaily(_Rollup):
    """The daily rollup (decision 0024): per day, region, department, item and channel,
    what was accepted that day (with its channel and star level), what was decided and
    closed that day (on time, working days used, the limits), refused or withdrawn, and
    the ratings given that day. Months, quarters, years and regions above are sums of
    these rows."""

    class Meta:
        verbose_name = "效能统计（日）"
        verbose_name_plural = "效能统计（日）"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region_id", "department_id", "item_id", "channel"],
                name="stats_daily_key",
            )
        ]
        indexes = [models.Index(fields=["region_id", "day"], name="stats_daily_region_day")]


class StatsMonthly(_Rollup):
    """The same counters per month (`day` is the month's first day), kept beside the
    daily rows by the same delta (decision 0025): the figures of whole months — the
    overview, the monthly, quarterly and yearly tables — sum a month's row instead of
    its thirty days."""

    class Meta:
        verbose_name = "效能统计（月）"
        verbose_name_plural = "效能统计（月）"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region_id", "department_id", "item_id", "channel"],
                name="stats_monthly_key",
            )
        ]
        indexes = [models.Index(fields=["region_id", "day"], name="stats_monthly_region_day")]


class RollupState(models.Model):
    """The rollup's watermark: the case events and evaluations up to these ids are in
    the facts (one row, id 1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    event_id = models.BigIntegerField(default=0)
    evaluation_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "效能统计水位"
        verbose_name_plural = "效能统计水位"

    def __str__(self) -> str:
        return f"events ≤ {self.event_id}, evaluations ≤ {self.evaluation_id}"


# --------------------------------------------------------------------------- rankings


class FrozenRanking(Exception):
    """A published ranking is never changed: a correction is a new revision."""


class Ranking(models.Model):
    """One published revision of a month's ranking (综合评价排名) of the departments or
    of the cities. Frozen once written (`save` refuses an update, `delete` refuses);
    a correction is revision n+1 with its reason, and the public sees every revision."""

    month = models.DateField("月份")  # the first day of the month
    kind = models.CharField("类别", max_length=12, choices=RankingKind.choices)
    revision = models.PositiveSmallIntegerField("版次")
    reason = models.TextField("更正原因", max_length=500, blank=True)
    formula = models.JSONField("评分办法")  # the weights in force, frozen with the figures
    published_at = models.DateTimeField("发布时间")
    published_by = models.CharField("发布人", max_length=150)

    class Meta:
        verbose_name = "月度排名"
        verbose_name_plural = "月度排名"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "kind", "revision"], name="ranking_once_per_revision"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RankingKind.values), name="ranking_kind_known"
            ),
        ]
        ordering = ["-month", "kind", "-revision"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} r{self.revision}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise FrozenRanking(str(self))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise FrozenRanking(str(self))


class RankingEntry(models.Model):
    """A unit's place in one revision: its score, the terms it is made of and the
    figures behind them (so the page shows why, and a revision shows what changed)."""

    ranking = models.ForeignKey(Ranking, on_delete=models.PROTECT, related_name="entries")
    key = models.CharField("单位代码", max_length=40)
    name = models.CharField("单位", max_length=120)
    region_name = models.CharField("所属地区", max_length=60, blank=True)
    rank = models.PositiveIntegerField("名次", null=True)  # None: too few cases to rank
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True)
    figures = models.JSONField("指标")

    class Meta:
        verbose_name = "月度排名条目"
        verbose_name_plural = "月度排名条目"
        constraints = [
            models.UniqueConstraint(fields=["ranking", "key"], name="ranking_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.ranking} {self.rank} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise FrozenRanking(str(self))
        super().save(*args, **kwargs)  # type: ignore[arg-type]
