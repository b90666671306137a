from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "yiwang.supervision"
    label = "supervision"
    verbose_name = "效能监察"
