"""Supervision's own tables.

Lane H (history and statistics, decision 0024): the history seed's checkpoint, one fact
row per case (what the statistics need of it, kept in step with the case), the daily
rollup the statistics read, and the rollup's watermark.
"""

from __future__ import annotations

from django.db import models

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


class StatsDaily(models.Model):
    """The daily rollup (decision 0024): per day, region, department, item and channel,
    what was accepted that day (with its channel and star level), what was decided and
    closed that day (on time, working days used, the limits), refused or withdrawn, and
    the ratings given that day. Months, quarters, years and regions above are sums of
    these rows."""

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
        verbose_name = "效能统计（日）"
        verbose_name_plural = "效能统计（日）"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region_id", "department_id", "item_id", "channel"],
                name="stats_daily_key",
            )
        ]
        indexes = [models.Index(fields=["region_id", "day"], name="stats_daily_region_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} {self.item_id} {self.channel}"


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
