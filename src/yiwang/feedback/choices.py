"""好差评 (service evaluation) terms, as in domain-rules.md."""

from __future__ import annotations

from django.db import models

#: A rating at or below this opens a rectification task (差评整改).
BAD_RATING_AT_MOST = 2


class Score(models.IntegerChoices):
    """The five levels of 好差评 (domain-rules.md)."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class RatingChannel(models.TextChoices):
    """Where the rating came from (一事一评 through every channel)."""

    WEB = "web", "网上办事大厅"
    API = "api", "接口（移动端）"
    LINK = "link", "短信/消息评价链接"
    KIOSK = "kiosk", "自助终端"
    HALL = "hall", "窗口评价器"
