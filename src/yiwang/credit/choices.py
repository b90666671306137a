"""Kinds and states of the credit publicity records (labels as the regulations name them)."""

from django.db import models


class EnterpriseKind(models.TextChoices):
    LLC = "llc", "有限责任公司"
    JOINT_STOCK = "joint_stock", "股份有限公司"
    SOLE_PROPRIETORSHIP = "sole_proprietorship", "个人独资企业"
    PARTNERSHIP = "partnership", "合伙企业"
    FOREIGN_INVESTED = "foreign_invested", "外商投资企业"
    STATE_OWNED = "state_owned", "全民所有制企业"
    COLLECTIVE = "collective", "集体所有制企业"
    BRANCH = "branch", "分支机构"
    COOPERATIVE = "cooperative", "农民专业合作社"
    INDIVIDUAL = "individual", "个体工商户"


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", "存续（在营、开业、在册）"
    REVOKED = "revoked", "吊销"
    CANCELLED = "cancelled", "注销"
    MOVED_OUT = "moved_out", "迁出"


class DisclosureKind(models.TextChoices):
    """What departments publish (企业信息公示暂行条例 Art. 6-7, 14)."""

    LICENSE = "license", "行政许可"
    PENALTY = "penalty", "行政处罚"
    SPOT_CHECK = "spot_check", "抽查检查结果"
    CHATTEL_MORTGAGE = "chattel_mortgage", "动产抵押登记"
    EQUITY_PLEDGE = "equity_pledge", "股权出质登记"
    IP_PLEDGE = "ip_pledge", "知识产权出质登记"
    OTHER = "other", "其他依法应当公示的信息"


class DisclosureSource(models.TextChoices):
    MANUAL = "manual", "部门录入"
    BULK = "bulk", "批量导入"
    EXCHANGE = "exchange", "数据共享交换"


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", "开业"
    SUSPENDED = "suspended", "歇业"
    LIQUIDATING = "liquidating", "清算"


class ImmediateInfoKind(models.TextChoices):
    """即时信息 (企业信息公示暂行条例 Art. 10)."""

    CAPITAL_CONTRIBUTION = "capital_contribution", "股东认缴和实缴的出资"
    EQUITY_CHANGE = "equity_change", "股权转让等股权变更"
    LICENSE = "license", "行政许可取得、变更、延续"
    IP_PLEDGE = "ip_pledge", "知识产权出质登记"
    PENALTY = "penalty", "受到行政处罚"
    OTHER = "other", "其他依法应当公示的信息"


class ListKind(models.TextChoices):
    ABNORMAL = "abnormal", "经营异常名录"
    SERIOUS = "serious", "严重违法失信名单"
    EXPOSED = "exposed", "曝光"


class ListCause(models.TextChoices):
    # 经营异常名录管理办法 Art. 4
    NO_ANNUAL_REPORT = "no_annual_report", "未按照规定的期限公示年度报告"
    NO_ORDERED_INFO = "no_ordered_info", "未在责令的期限内公示有关企业信息"
    FALSE_INFO = "false_info", "公示企业信息隐瞒真实情况、弄虚作假"
    UNREACHABLE = "unreachable", "通过登记的住所或者经营场所无法联系"
    # 严重违法失信名单
    ABNORMAL_THREE_YEARS = "abnormal_three_years", "列入经营异常名录届满3年仍未履行相关义务"
    SERIOUS_VIOLATION = "serious_violation", "其他严重违法失信行为"
    # 曝光
    AUTHORITY_DECISION = "authority_decision", "主管机关决定曝光"


#: The causes each list accepts from staff.
CAUSES_BY_LIST: dict[str, tuple[str, ...]] = {
    ListKind.ABNORMAL: (
        ListCause.NO_ANNUAL_REPORT,
        ListCause.NO_ORDERED_INFO,
        ListCause.FALSE_INFO,
        ListCause.UNREACHABLE,
    ),
    ListKind.SERIOUS: (ListCause.ABNORMAL_THREE_YEARS, ListCause.SERIOUS_VIOLATION),
    ListKind.EXPOSED: (ListCause.AUTHORITY_DECISION,),
}


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "在列"
    REMOVED = "removed", "已移出"
    ESCALATED = "escalated", "已转列严重违法失信名单"
    REVOKED = "revoked", "已撤销（列入有误）"


class EventKind(models.TextChoices):
    LISTED = "listed", "列入"
    REMINDED = "reminded", "届满提醒公示"
    REMOVAL_APPLIED = "removal_applied", "申请移出"
    REMOVAL_REJECTED = "removal_rejected", "不予移出"
    REMOVED = "removed", "移出"
    ESCALATED = "escalated", "转列严重违法失信名单"
    REVERSED = "reversed", "撤销（纠错）"


class RemovalCause(models.TextChoices):
    CURED = "cured", "已履行相关义务"
    ERROR = "error", "列入有误"
    COURT = "court", "行政复议或诉讼撤销"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "待决定"
    APPROVED = "approved", "准予移出"
    REJECTED = "rejected", "不予移出"


class LoadKind(models.TextChoices):
    ENTERPRISES = "enterprises", "市场主体登记信息"
    DISCLOSURES = "disclosures", "部门公示信息"


class LoadStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
