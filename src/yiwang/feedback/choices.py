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


#: The longest comment a rater may write (the model's limit; the form and the API say so).
COMMENT_MAX = 500


class Indicator(models.TextChoices):
    """The indicators a rater may tick (评价指标), as codes stored on the Evaluation.

    Source: 国办发〔2019〕51号《关于建立政务服务"好差评"制度提高政务服务水平的意见》,
    which has people rate 政务服务事项办理 on the standardisation of the guide, the
    staff's attitude and ability, the time taken, the convenience of the process and
    the fees and integrity of the service; GB/T 39735-2020《政务服务评价工作指南》 uses
    the same headings. The short Chinese names are ours (docs/feedback.md).
    """

    GUIDE = "guide", "办事指南清晰准确"
    ATTITUDE = "attitude", "服务态度"
    TIMELINESS = "timeliness", "办理时效"
    PROCESS = "process", "流程便捷"
    FEES = "fees", "收费规范"
    ABILITY = "ability", "业务能力"
    INTEGRITY = "integrity", "廉洁自律"
    RESULT = "result", "办理结果"


class RectificationStatus(models.TextChoices):
    """The states of a rectification task (差评整改), feedback/transitions.py."""

    OPEN = "open", "待整改"
    ANSWERED = "answered", "已整改待审核"
    OVERDUE = "overdue", "整改逾期"
    APPEALED = "appealed", "申诉中"
    CLOSED = "closed", "已办结"
    DISMISSED = "dismissed", "申诉成立（差评不计入统计）"


class RectificationAction(models.TextChoices):
    ANSWER = "answer", "提交整改情况"
    ACCEPT = "accept", "审核通过并办结"
    RETURN = "return", "退回重新整改"
    MARK_OVERDUE = "mark_overdue", "整改逾期"
    APPEAL = "appeal", "申诉"
    UPHOLD = "uphold", "申诉成立"
    REJECT = "reject", "申诉不成立"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待裁定"
    UPHELD = "upheld", "申诉成立"
    REJECTED = "rejected", "申诉不成立"
