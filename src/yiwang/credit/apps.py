from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The search triggers on SQLite call `credit_bigrams` (see credit.search.textindex)."""
    if connection.vendor != "sqlite":
        return
    from yiwang.credit.search.textindex import BIGRAM_FUNCTION, bigram_tokens

    connection.connection.create_function(BIGRAM_FUNCTION, 1, bigram_tokens, deterministic=True)


class CreditConfig(AppConfig):
    name = "yiwang.credit"
    label = "credit"
    verbose_name = "企业信用信息公示"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="credit_sqlite_fns")
