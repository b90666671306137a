"""The domain's choice labels, in the language of the page.

The apps' TextChoices keep plain Chinese labels: services write them into stored text
(timeline units, notifications, the current step) and the API returns them as they are.
The portal translates what it shows (with yiwang.common.labels.choice_label, which the
credit pages share). Every label is marked below, so that makemessages puts it into
this app's catalog; tests/portal/test_english.py checks the list against the enums.
Statuses and actions have a context of their own (不予受理 is a status and an action);
the other labels share "choice", apart from the pages' own text.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from yiwang.common.labels import CHOICE_CONTEXT, choice_label

__all__ = ["ACTION_CONTEXT", "CHOICE_CONTEXT", "STATUS_CONTEXT", "choice_label"]

STATUS_CONTEXT = "case status"
ACTION_CONTEXT = "case action"


# Marks for makemessages only; never evaluated. The contexts are literal on purpose.
_MARKED = (
    # cases.CaseStatus
    pgettext_lazy("case status", "已提交（待受理）"),
    pgettext_lazy("case status", "待补正"),
    pgettext_lazy("case status", "不予受理"),
    pgettext_lazy("case status", "已受理"),
    pgettext_lazy("case status", "审查中"),
    pgettext_lazy("case status", "特别程序中（暂停计时）"),
    pgettext_lazy("case status", "准予许可"),
    pgettext_lazy("case status", "不予许可"),
    pgettext_lazy("case status", "已制证"),
    pgettext_lazy("case status", "已寄出（待签收）"),
    pgettext_lazy("case status", "已办结"),
    pgettext_lazy("case status", "已撤回"),
    # cases.CaseAction
    pgettext_lazy("case action", "受理"),
    pgettext_lazy("case action", "一次性告知补正"),
    pgettext_lazy("case action", "补正后重新提交"),
    pgettext_lazy("case action", "不予受理"),
    pgettext_lazy("case action", "转报审查"),
    pgettext_lazy("case action", "准予许可"),
    pgettext_lazy("case action", "不予许可"),
    pgettext_lazy("case action", "退回受理环节"),
    pgettext_lazy("case action", "启动特别程序"),
    pgettext_lazy("case action", "特别程序结束"),
    pgettext_lazy("case action", "延长期限"),
    pgettext_lazy("case action", "制证"),
    pgettext_lazy("case action", "送达"),
    pgettext_lazy("case action", "撤回申请"),
    # cases.SpecialProcedure
    pgettext_lazy("choice", "听证"),
    pgettext_lazy("choice", "招标"),
    pgettext_lazy("choice", "拍卖"),
    pgettext_lazy("choice", "检验"),
    pgettext_lazy("choice", "检测"),
    pgettext_lazy("choice", "检疫"),
    pgettext_lazy("choice", "鉴定"),
    pgettext_lazy("choice", "专家评审"),
    # cases.Channel
    pgettext_lazy("choice", "网上申报"),
    pgettext_lazy("choice", "窗口代办"),
    pgettext_lazy("choice", "自助终端"),
    # cases.Decision
    pgettext_lazy("choice", "准予"),
    pgettext_lazy("choice", "不予"),
    # catalog.ItemType
    pgettext_lazy("choice", "行政许可"),
    pgettext_lazy("choice", "行政确认"),
    pgettext_lazy("choice", "行政给付"),
    pgettext_lazy("choice", "公共服务"),
    pgettext_lazy("choice", "其他行政权力"),
    # catalog.CaseType
    pgettext_lazy("choice", "即办件"),
    pgettext_lazy("choice", "承诺件"),
    # catalog.ServiceObject (自然人 and 法人 also accounts.UserKind)
    pgettext_lazy("choice", "自然人"),
    pgettext_lazy("choice", "法人"),
    pgettext_lazy("choice", "自然人、法人"),
    # catalog.AcceptLevel
    pgettext_lazy("choice", "本级大厅受理"),
    pgettext_lazy("choice", "乡镇（街道）站点代办受理"),
    # catalog.OnlineDepth
    pgettext_lazy("choice", "一级：网上公开办事指南"),
    pgettext_lazy("choice", "二级：网上预约、下载表格"),
    pgettext_lazy("choice", "三级：网上预审，现场办结"),
    pgettext_lazy("choice", "四级：全程网办"),
    # catalog.MaterialForm
    pgettext_lazy("choice", "原件"),
    pgettext_lazy("choice", "复印件"),
    pgettext_lazy("choice", "电子件"),
    # catalog.MaterialSource
    pgettext_lazy("choice", "申请人自备"),
    pgettext_lazy("choice", "电子证照库"),
    pgettext_lazy("choice", "部门共享数据"),
    # org.RegionLevel
    pgettext_lazy("choice", "省级"),
    pgettext_lazy("choice", "市（州）级"),
    pgettext_lazy("choice", "县（市、区）级"),
    pgettext_lazy("choice", "乡镇（街道）级"),
    pgettext_lazy("choice", "村（社区）级"),
    # org.HallKind
    pgettext_lazy("choice", "政务服务中心"),
    pgettext_lazy("choice", "乡镇（街道）便民服务中心"),
    pgettext_lazy("choice", "村（社区）便民服务站"),
    # org.RoleScope
    pgettext_lazy("choice", "本单位"),
    pgettext_lazy("choice", "本级及下辖区域"),
    pgettext_lazy("choice", "全平台"),
    # accounts.UserKind
    pgettext_lazy("choice", "工作人员"),
    pgettext_lazy("choice", "平台管理员"),
)
