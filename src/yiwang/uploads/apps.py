from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "yiwang.uploads"
    label = "uploads"
    verbose_name = "上传材料"
