from django.db import models


class ItemType(models.TextChoices):
    LICENSE = "license", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    PAYMENT = "payment", "行政给付"
    PUBLIC_SERVICE = "public_service", "公共服务"
    OTHER = "other", "其他行政权力"


class CaseType(models.TextChoices):
    INSTANT = "instant", "即办件"
    PROMISED = "promised", "承诺件"


class ServiceObject(models.TextChoices):
    CITIZEN = "citizen", "自然人"
    ENTERPRISE = "enterprise", "法人"
    BOTH = "both", "自然人、法人"


class AcceptLevel(models.TextChoices):
    """Where the application is accepted: the item's own hall, or (for a county item)
    the township/village station, which forwards it to the county department."""

    OWN_HALL = "own_hall", "本级大厅受理"
    TOWNSHIP = "township", "乡镇（街道）站点代办受理"


class OnlineDepth(models.IntegerChoices):
    """全程网办 depth as the national catalogue grades it."""

    INFO = 1, "一级：网上公开办事指南"
    CONSULT = 2, "二级：网上预约、下载表格"
    PRE_REVIEW = 3, "三级：网上预审，现场办结"
    FULL = 4, "四级：全程网办"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    ELECTRONIC = "electronic", "电子件"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", "申请人自备"
    LICENSE_LIBRARY = "license_library", "电子证照库"
    DEPARTMENT_DATA = "department_data", "部门共享数据"
