from django.db import models


class UserKind(models.TextChoices):
    CITIZEN = "citizen", "自然人"
    ENTERPRISE = "enterprise", "法人"
    STAFF = "staff", "工作人员"
    ADMIN = "admin", "平台管理员"
