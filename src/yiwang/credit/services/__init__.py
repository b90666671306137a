"""The only writers of credit publicity records: one transaction each, audited inside it,
the enterprise notified after commit.

Departments publish disclosures (企业信息公示暂行条例 Art. 6-7); enterprises file annual
reports and immediate information (Art. 8-10); registration authorities decide the
lists (经营异常名录管理办法, 严重违法失信名单管理办法), and the sweeps here apply the
automatic rules. Dates come from `credit.rules`, counted in working days by
`common.workdays`. The bulk registry load is in `credit.ingest`, the demo seed in
`credit.demo`; both import the services, never the other way round.
"""

from __future__ import annotations

from yiwang.credit.services._base import SWEEP_ACTOR
from yiwang.credit.services.disclosures import (
    DISCLOSURE_FIELDS,
    DISCLOSURE_REQUIRED,
    clean_disclosure,
    correct_disclosure,
    publish_disclosure,
    withdraw_disclosure,
)
from yiwang.credit.services.lists import (
    REVERSIBLE,
    apply_for_removal,
    decide_removal,
    list_enterprise,
    refresh_list_flags,
    remove_from_list,
    reverse_event,
)
from yiwang.credit.services.public import check_rate_limit, purge_rate_counters, record_view
from yiwang.credit.services.reports import (
    REPORT_FIELDS,
    REPORT_MONEY_FIELDS,
    clean_annual_report,
    correct_annual_report,
    file_annual_report,
    publish_immediate_info,
    report_data,
)
from yiwang.credit.services.sweeps import (
    SweepResult,
    escalate_long_abnormal,
    list_missing_annual_reports,
    process_due_removal_applications,
)

__all__ = [
    "DISCLOSURE_FIELDS",
    "DISCLOSURE_REQUIRED",
    "REPORT_FIELDS",
    "REPORT_MONEY_FIELDS",
    "REVERSIBLE",
    "SWEEP_ACTOR",
    "SweepResult",
    "apply_for_removal",
    "check_rate_limit",
    "clean_annual_report",
    "clean_disclosure",
    "correct_annual_report",
    "correct_disclosure",
    "decide_removal",
    "escalate_long_abnormal",
    "file_annual_report",
    "list_enterprise",
    "list_missing_annual_reports",
    "process_due_removal_applications",
    "publish_disclosure",
    "publish_immediate_info",
    "purge_rate_counters",
    "record_view",
    "refresh_list_flags",
    "remove_from_list",
    "report_data",
    "reverse_event",
    "withdraw_disclosure",
]
