"""States, actions and kinds of a case (办件). Values are the contract of interfaces.md."""

from django.db import models


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交（待受理）"
    SUPPLEMENT_REQUESTED = "supplement_requested", "待补正"
    REFUSED = "refused", "不予受理"
    ACCEPTED = "accepted", "已受理"
    IN_REVIEW = "in_review", "审查中"
    SUSPENDED = "suspended", "特别程序中（暂停计时）"
    APPROVED = "approved", "准予许可"
    DENIED = "denied", "不予许可"
    ISSUED = "issued", "已制证"
    DELIVERED = "delivered", "已寄出（待签收）"
    COMPLETED = "completed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


#: No action leads out of these.
TERMINAL_STATUSES = frozenset(
    {CaseStatus.REFUSED, CaseStatus.DENIED, CaseStatus.COMPLETED, CaseStatus.WITHDRAWN}
)


class CaseAction(models.TextChoices):
    ACCEPT = "accept", "受理"
    REQUEST_SUPPLEMENT = "request_supplement", "一次性告知补正"
    RESUBMIT = "resubmit", "补正后重新提交"
    REFUSE = "refuse", "不予受理"
    FORWARD = "forward", "转报审查"
    APPROVE = "approve", "准予许可"
    DENY = "deny", "不予许可"
    RETURN = "return", "退回受理环节"
    SUSPEND = "suspend", "启动特别程序"
    RESUME = "resume", "特别程序结束"
    EXTEND = "extend", "延长期限"
    ISSUE = "issue", "制证"
    DELIVER = "deliver", "送达"
    WITHDRAW = "withdraw", "撤回申请"


class EventKind(models.TextChoices):
    """What a timeline entry records: the submission, an automatic check, an action, or
    deadlines counted again once a year's holiday notice was published."""

    SUBMIT = "submit", "提交申请"
    AUTO_CHECK = "auto_check", "自动审查"
    DEEMED_ACCEPT = "deemed_accept", "视为受理"
    ACTION = "action", "办理"
    RECOUNT = "recount", "期限重算"


class SpecialProcedure(models.TextChoices):
    """行政许可法 Art. 45: time these take is not counted in the limits."""

    HEARING = "hearing", "听证"
    TENDER = "tender", "招标"
    AUCTION = "auction", "拍卖"
    INSPECTION = "inspection", "检验"
    TESTING = "testing", "检测"
    QUARANTINE = "quarantine", "检疫"
    APPRAISAL = "appraisal", "鉴定"
    EXPERT_REVIEW = "expert_review", "专家评审"


class Channel(models.TextChoices):
    ONLINE = "online", "网上申报"
    WINDOW = "window", "窗口代办"
    KIOSK = "kiosk", "自助终端"


class Decision(models.TextChoices):
    APPROVED = "approved", "准予"
    DENIED = "denied", "不予"


class DeadlineMark(models.TextChoices):
    """The efficiency-supervision cards (红牌 / 黄牌)."""

    NONE = "", "正常"
    YELLOW = "yellow", "黄牌（临近到期）"
    RED = "red", "红牌（已超期）"
