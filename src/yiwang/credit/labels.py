"""The credit records' labels, in the language of the page.

The TextChoices in choices.py keep plain Chinese labels (the API returns them, and
`report_public` gives `operating_status_label` to both). The pages translate what they
show with `choice_label(label, LABEL_CONTEXT)` (the `credit_label` template filter).
Every label the pages show is marked below, so that makemessages puts it into this
app's catalog; tests/credit/test_pages_english.py checks the list against the enums.

The context is the app's own: a label the portal also has (行政许可 is a kind of item
there, a kind of disclosure here) keeps the portal's translation in the portal.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from yiwang.common.labels import choice_label

__all__ = ["LABEL_CONTEXT", "choice_label"]

LABEL_CONTEXT = "credit"

# Marks for makemessages only; never evaluated. The context is literal on purpose.
_MARKED = (
    # EnterpriseKind
    pgettext_lazy("credit", "有限责任公司"),
    pgettext_lazy("credit", "股份有限公司"),
    pgettext_lazy("credit", "个人独资企业"),
    pgettext_lazy("credit", "合伙企业"),
    pgettext_lazy("credit", "外商投资企业"),
    pgettext_lazy("credit", "全民所有制企业"),
    pgettext_lazy("credit", "集体所有制企业"),
    pgettext_lazy("credit", "分支机构"),
    pgettext_lazy("credit", "农民专业合作社"),
    pgettext_lazy("credit", "个体工商户"),
    # EnterpriseStatus
    pgettext_lazy("credit", "存续（在营、开业、在册）"),
    pgettext_lazy("credit", "吊销"),
    pgettext_lazy("credit", "注销"),
    pgettext_lazy("credit", "迁出"),
    # DisclosureKind (知识产权出质登记 and 其他依法应当公示的信息 also ImmediateInfoKind)
    pgettext_lazy("credit", "行政许可"),
    pgettext_lazy("credit", "行政处罚"),
    pgettext_lazy("credit", "抽查检查结果"),
    pgettext_lazy("credit", "动产抵押登记"),
    pgettext_lazy("credit", "股权出质登记"),
    pgettext_lazy("credit", "知识产权出质登记"),
    pgettext_lazy("credit", "其他依法应当公示的信息"),
    # OperatingStatus
    pgettext_lazy("credit", "开业"),
    pgettext_lazy("credit", "歇业"),
    pgettext_lazy("credit", "清算"),
    # ImmediateInfoKind
    pgettext_lazy("credit", "股东认缴和实缴的出资"),
    pgettext_lazy("credit", "股权转让等股权变更"),
    pgettext_lazy("credit", "行政许可取得、变更、延续"),
    pgettext_lazy("credit", "受到行政处罚"),
    # ListKind
    pgettext_lazy("credit", "经营异常名录"),
    pgettext_lazy("credit", "严重违法失信名单"),
    pgettext_lazy("credit", "曝光"),
    # ListCause
    pgettext_lazy("credit", "未按照规定的期限公示年度报告"),
    pgettext_lazy("credit", "未在责令的期限内公示有关企业信息"),
    pgettext_lazy("credit", "公示企业信息隐瞒真实情况、弄虚作假"),
    pgettext_lazy("credit", "通过登记的住所或者经营场所无法联系"),
    pgettext_lazy("credit", "列入经营异常名录届满3年仍未履行相关义务"),
    pgettext_lazy("credit", "其他严重违法失信行为"),
    pgettext_lazy("credit", "主管机关决定曝光"),
    # EntryStatus
    pgettext_lazy("credit", "在列"),
    pgettext_lazy("credit", "已移出"),
    pgettext_lazy("credit", "已转列严重违法失信名单"),
    pgettext_lazy("credit", "已撤销（列入有误）"),
    # EventKind
    pgettext_lazy("credit", "列入"),
    pgettext_lazy("credit", "届满提醒公示"),
    pgettext_lazy("credit", "申请移出"),
    pgettext_lazy("credit", "不予移出"),
    pgettext_lazy("credit", "移出"),
    pgettext_lazy("credit", "转列严重违法失信名单"),
    pgettext_lazy("credit", "撤销（纠错）"),
    # The financial figures of an annual report (display.FIGURE_LABELS)
    pgettext_lazy("credit", "资产总额"),
    pgettext_lazy("credit", "负债总额"),
    pgettext_lazy("credit", "所有者权益合计"),
    pgettext_lazy("credit", "营业总收入"),
    pgettext_lazy("credit", "主营业务收入"),
    pgettext_lazy("credit", "利润总额"),
    pgettext_lazy("credit", "净利润"),
    pgettext_lazy("credit", "纳税总额"),
)
