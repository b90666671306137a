"""The periods and triggers of enterprise information publicity, configurable.

The rules were revised in 2021, 2024 and 2025 (domain-rules "Enterprise information
publicity"): every period lives here with the default the rules give, and a
deployment overrides any of them in `settings.YIWANG_CREDIT` (a dict of the same
keys). Read through `credit_setting(name)`, never cached, so a test or an operator's
change of settings takes effect at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # 企业信息公示暂行条例 Art. 8: the previous year's report from 1 January to 30 June.
    "ANNUAL_REPORT_DEADLINE": (6, 30),
    # 经营异常名录管理办法 Art. 6: listed within 10 working days after the period ends.
    "ABNORMAL_LISTING_WORKDAYS": 10,
    # List an enterprise that filed late but before the sweep reached it. The letter of
    # the rule lists it (it missed the period); some provinces do not. It may apply for
    # removal at once.
    "LIST_FILED_LATE_BEFORE_LISTING": True,
    # 企业信息公示暂行条例 Art. 10: immediate information within 20 working days.
    "IMMEDIATE_INFO_WORKDAYS": 20,
    # 经营异常名录管理办法 Art. 11-13: removal decided within 5 working days of the
    # application (sources differ; configurable).
    "REMOVAL_DECISION_WORKDAYS": 5,
    # When the decision is overdue and the cause is one the system can verify itself
    # (the missing annual report is now filed), remove without waiting for staff.
    "AUTO_REMOVE_VERIFIED_WHEN_DUE": True,
    # Art. 16 / 严重违法失信名单管理办法: 3 years on the list without cure -> serious list,
    # a public reminder in the last 60 days, the move within 10 working days.
    "SERIOUS_AFTER_YEARS": 3,
    "SERIOUS_REMINDER_DAYS": 60,
    "SERIOUS_MOVE_WORKDAYS": 10,
    # Which department the system's own list decisions (sweeps) are recorded under:
    # codes ending so (org data: "<region>-market-regulation"). A person's right to
    # decide the lists is a post's permission (CREDIT_DECIDE_LISTS), never this.
    "REGISTRATION_DEPARTMENT_SUFFIX": "market-regulation",
    # Early pilot USCCs that fail the checksums but are real (registry imports only).
    "USCC_ALLOW_LIST": (),
    # Public search: matches counted exactly up to this many (ten pages), then "more than"
    # with the planner's estimate. It bounds the work of a common term (docs/credit.md).
    "SEARCH_CAP": 200,
    "PAGE_SIZE": 20,
    # Per-address limits on the public pages and API: (requests, seconds).
    "RATE_LIMITS": {"search": (30, 60), "detail": (120, 60)},
    # Bulk loads: rows per transaction (and per checkpoint).
    "LOAD_BATCH_SIZE": 2000,
}


def credit_setting(name: str) -> Any:
    overrides: dict[str, Any] = getattr(settings, "YIWANG_CREDIT", {})
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]
