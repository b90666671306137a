from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        from yiwang.catalog.services import department_keeps_region
        from yiwang.org.services import department_move_checks

        if department_keeps_region not in department_move_checks:
            department_move_checks.append(department_keeps_region)
