from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "yiwang.credit"
    label = "credit"
    verbose_name = "企业信用信息公示"
