"""What the API and the pages both show of a record (shaping only, no queries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yiwang.common.personal import mask_text
from yiwang.credit.models import AnnualReport
from yiwang.credit.services import REPORT_MONEY_FIELDS

#: The financial figures of a report, with their labels (企业信息公示暂行条例 Art. 9 (七)).
FIGURE_LABELS = {
    f: str(getattr(AnnualReport._meta.get_field(f), "verbose_name", f)) for f in REPORT_MONEY_FIELDS
}


def report_public(r: AnnualReport, *, own: bool = False) -> dict[str, Any]:
    """A report as the public sees it: the financial figures only if the enterprise
    chose to publish them, a mobile number masked (it is a person's); in full to the
    enterprise itself (`own`)."""
    show_figures = own or r.financials_public
    return {
        "year": r.year,
        "filed_on": r.filed_on,
        "late": r.late,
        "version": r.version,
        "address": r.address,
        "postal_code": r.postal_code,
        "phone": r.phone if own else mask_text(r.phone),
        "email": r.email,
        "operating_status": r.operating_status,
        "operating_status_label": r.get_operating_status_display(),
        "employees": r.employees,
        "website": r.website,
        "has_external_investment": r.has_external_investment,
        "has_equity_transfer": r.has_equity_transfer,
        "provides_guarantee": r.provides_guarantee,
        "contributions": r.contributions,
        "investments": r.investments,
        "financials_public": r.financials_public,
        "financials": {f: Decimal(getattr(r, f)) for f in REPORT_MONEY_FIELDS}
        if show_figures
        else None,
    }
