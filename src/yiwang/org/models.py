"""Regions (GB/T 2260 and statistical division codes), service halls, departments,
roles and staff posts (岗位)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from yiwang.org.choices import HallKind, RegionLevel, RoleScope


class Region(models.Model):
    """A node of the administrative tree.

    Province to county use 6-digit GB/T 2260 codes; townships and villages the
    9- and 12-digit statistical division codes. `path` holds the codes from the
    root, so "this region and everything below" is one indexed prefix match.
    """

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=120, unique=True, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class ServiceHall(models.Model):
    """A 政务服务中心 (province, city, county) or a township/village service station."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=HallKind.choices, default=HallKind.HALL)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="halls"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    hours = models.CharField("办公时间", max_length=100, blank=True)

    class Meta:
        verbose_name = "政务服务大厅"
        verbose_name_plural = "政务服务大厅"
        ordering = ["region__path", "code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """An authority (or a public body acting for one) at a region."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="departments"
    )
    hall = models.ForeignKey(
        ServiceHall,
        verbose_name="进驻大厅",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
    )

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["region__path", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="department_uscc_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role is data: the permissions (common.permissions.Permission values) it grants,
    and how far its holder sees."""

    code = models.SlugField("编码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=60)
    permissions = models.JSONField("权限", default=list)
    scope = models.CharField("可见范围", max_length=20, choices=RoleScope.choices)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A staff post (岗位) in one hall or one department, carrying one role."""

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("岗位名称", max_length=60)
    role = models.ForeignKey(
        Role, verbose_name="角色", on_delete=models.PROTECT, related_name="posts"
    )
    hall = models.ForeignKey(
        ServiceHall,
        verbose_name="所在大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所在部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(hall__isnull=False) & Q(department__isnull=True))
                | (Q(hall__isnull=True) & Q(department__isnull=False)),
                name="post_in_exactly_one_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"

    @property
    def unit(self) -> ServiceHall | Department:
        unit = self.hall or self.department
        assert unit is not None  # guaranteed by post_in_exactly_one_unit
        return unit

    @property
    def region(self) -> Region:
        return self.unit.region
