from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "yiwang.investment"
    label = "investment"
    verbose_name = "投资项目在线审批监管"

    def ready(self) -> None:
        from yiwang.investment import selectors  # noqa: F401 - registers the scope rule
