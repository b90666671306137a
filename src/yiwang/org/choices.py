from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市（州）级"
    COUNTY = "county", "县（市、区）级"
    TOWNSHIP = "township", "乡镇（街道）级"
    VILLAGE = "village", "村（社区）级"


class HallKind(models.TextChoices):
    HALL = "hall", "政务服务中心"
    TOWNSHIP_CENTRE = "township_centre", "乡镇（街道）便民服务中心"
    VILLAGE_STATION = "village_station", "村（社区）便民服务站"


class RoleScope(models.TextChoices):
    UNIT = "unit", "本单位"
    REGION_BELOW = "region_below", "本级及下辖区域"
    PLATFORM = "platform", "全平台"
