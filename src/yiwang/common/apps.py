from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "yiwang.common"
    label = "common"
    verbose_name = "公共内核"
