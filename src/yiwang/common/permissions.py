"""Permissions as named constants, `scope:resource:action` (Warehouse style).

Roles (org.Role) are data that grant a list of these; code checks only these names.
Later capabilities add their own members here.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    # the platform
    PLATFORM_ADMIN = "platform:admin:all"
    CALENDAR_EDIT = "platform:calendar:edit"
    AUDIT_VIEW = "platform:audit:view"
    # organisation master data
    ORG_VIEW = "org:directory:view"
    ORG_EDIT = "org:directory:edit"
    STAFF_VIEW = "org:staff:view"
    # case handling, by step (used from the approval issue on)
    CASE_VIEW = "unit:case:view"
    CASE_ACCEPT = "unit:case:accept"
    CASE_REVIEW = "unit:case:review"
    CASE_DECIDE = "unit:case:decide"
    CASE_ISSUE = "unit:case:issue"
    CASE_DELIVER = "unit:case:deliver"
    # efficiency supervision: read-only over the regions below the post's region
    SUPERVISION_VIEW = "region:supervision:view"
    # enterprise credit publicity
    CREDIT_PUBLISH = "unit:credit:publish"
    # a registration authority (市场监管): list and remove the enterprises of the regions
    # its department covers (企业经营异常名录管理办法 Art. 4)
    CREDIT_DECIDE_LISTS = "unit:credit:decide-lists"
    # e-licenses (电子证照库): an issuing department's staff see, issue and change the
    # status of the licenses their department issued; a road officer's checks are logged
    # under their name and see the whole license; an exchange client follows the feed
    LICENSE_VIEW = "unit:license:view"
    LICENSE_ISSUE = "unit:license:issue"
    LICENSE_REVOKE = "unit:license:revoke"
    LICENSE_VERIFY = "unit:license:verify"
    LICENSE_CHANGES = "exchange:license:changes"
    # 好差评 (feedback): the responsible unit's staff rectify bad ratings of their
    # department's cases (answer, call back, appeal); a supervisor decides over the
    # regions below their post (accept or return the rectification, decide appeals)
    FEEDBACK_RECTIFY = "unit:feedback:rectify"
    FEEDBACK_DECIDE = "region:feedback:decide"
    # investment projects (投资项目在线审批监管): the investment authority's staff see the
    # projects their department is competent for (or, region_below, located in their regions)
    INVESTMENT_VIEW = "unit:investment:view"
