"""States and kinds of investment projects (投资项目在线审批监管)."""

from django.db import models


class Category(models.TextChoices):
    """The three categories of 企业投资项目核准和备案管理条例 (2016) and 政府投资条例 (2019)."""

    APPROVAL = "approval", "审批"
    RATIFICATION = "ratification", "核准"
    FILING = "filing", "备案"


class Level(models.TextChoices):
    """The level of the competent investment authority (发展改革部门)."""

    NATIONAL = "national", "国家级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


#: A rule's level may also be "the level of the project's location".
BY_REGION = "region"


class Funding(models.TextChoices):
    GOVERNMENT = "government", "政府投资"
    ENTERPRISE = "enterprise", "企业投资"
    MIXED = "mixed", "政府和企业共同投资"


class ProjectStatus(models.TextChoices):
    REGISTERED = "registered", "已赋码"
    FILED = "filed", "已备案"
    CANCELLED = "cancelled", "备案已撤销"


class EventKind(models.TextChoices):
    REGISTERED = "registered", "项目赋码"
    FILED = "filed", "备案"
    CHANGED = "changed", "备案变更"
    CANCELLED = "cancelled", "备案撤销"
