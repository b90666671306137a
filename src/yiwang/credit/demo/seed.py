"""The demo seed of credit publicity (`yiwang seed demo`): a few thousand Jilin market
entities with departments' disclosures, annual reports and immediate information,
and the lists as the rules would have made them over the last years — by running the
real sweeps on the dates they would have run, and the real services for the staff
decisions and the enterprises' applications.

Idempotent: rows are keyed (USCC, department + source_ref, enterprise + year, the
sweeps' year marks), so a second run creates nothing. A service module: it writes
only through `credit.ingest.loader` and `credit.services`, or in bulk with one audit event.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.actor import Actor
from yiwang.common import workdays
from yiwang.common.audit import record
from yiwang.credit import rules, selectors, services
from yiwang.credit.choices import (
    DisclosureKind,
    EnterpriseStatus,
    EntryStatus,
    ImmediateInfoKind,
    ListCause,
    ListKind,
    OperatingStatus,
)
from yiwang.credit.demo import synthetic
from yiwang.credit.ingest import cleaning, loader
from yiwang.credit.models import (
    AnnualReport,
    Enterprise,
    ImmediateInfo,
    ListEntry,
)

DEMO_COUNT = 3000
DEMO_SEED = 20260101
DEMO_USCC = "91220101MA17Y8K34M"
DEMO_ENTERPRISE = {
    "uscc": DEMO_USCC,
    "name": "长春一网示范科技有限公司",
    "kind": "llc",
    "legal_representative": "李四",
    "registered_capital": "500",
    "address": "吉林省长春市南关区人民大街1号",
    "region_code": "220102",
    "registration_authority": "长春市市场监督管理局",
    "established_on": "2019-03-18",
    "approved_on": "2024-05-20",
    "term_to": "",
    "status": "active",
    "business_scope": "软件开发；信息技术咨询服务；数据处理服务（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
}
PUBLISHING_DEPARTMENTS = (
    "220000-market-regulation",
    "220100-market-regulation",
    "220102-market-regulation",
    "222424-market-regulation",
    "220000-transport",
    "220102-housing",
    "222424-forestry",
)


def seed(*, actor: Actor, today: date | None = None, count: int = DEMO_COUNT) -> int:
    today = today or timezone.localdate()
    rng = random.Random(DEMO_SEED)  # noqa: S311 - synthetic data, no secret
    created = _registry(today, count, actor=actor)
    enterprises = list(Enterprise.objects.filter(uscc__in=_demo_usccs(count, today)).order_by("pk"))
    created += _disclosures(enterprises, today, actor=actor)
    created += _reports(enterprises, today, actor=actor)
    created += _immediate_info(enterprises, today, rng, actor=actor)
    created += _lists(today, actor=actor)
    return created


def _synthetic_today(today: date) -> date:
    # The generated rows depend on the year only: re-running later in the year changes nothing.
    return date(today.year, 1, 1)


def _rows(count: int, today: date) -> list[dict[str, Any]]:
    rows = list(
        synthetic.enterprise_rows(
            0, count, seed=DEMO_SEED, code_prefix="D", today=_synthetic_today(today)
        )
    )
    return [*rows, DEMO_ENTERPRISE]


def _demo_usccs(count: int, today: date) -> list[str]:
    return [r["uscc"] for r in _rows(count, today)]


def _registry(today: date, count: int, *, actor: Actor) -> int:
    cleaned = [
        (i, cleaning.clean_enterprise_row(r, today=today))
        for i, r in enumerate(_rows(count, today))
    ]
    with transaction.atomic():
        counts = loader.upsert_enterprises(cleaned)
        if counts.inserted or counts.updated:
            record(
                "credit.demo_registry_seeded",
                actor=actor,
                object_type="credit.enterprise",
                after={"inserted": counts.inserted, "updated": counts.updated},
            )
    return counts.inserted


def _disclosures(enterprises: list[Enterprise], today: date, *, actor: Actor) -> int:
    departments = loader.known_departments()
    codes = [c for c in PUBLISHING_DEPARTMENTS if c in departments]
    if not codes:
        return 0
    rows = []
    for i, e in enumerate(enterprises):
        if e.uscc == DEMO_USCC:
            continue
        for j in range(i % 3):  # 0, 1 or 2 records each
            row = synthetic.disclosure_row(i * 3 + j, e.uscc, codes, seed=DEMO_SEED, today=today)
            rows.append((i, cleaning.clean_disclosure_row(row, today=today)))
    demo_rows = [
        {
            "uscc": DEMO_USCC,
            "department": "220102-market-regulation",
            "source_ref": "demo-yiwang-license",
            "kind": DisclosureKind.LICENSE,
            "title": "食品经营许可证（单位食堂）",
            "document_no": "JY32201020012345",
            "content": "准予从事单位食堂食品经营",
            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
            "decided_on": "2024-04-08",
            "valid_from": "2024-04-08",
            "valid_to": "2029-04-07",
        },
        {
            "uscc": DEMO_USCC,
            "department": "220000-market-regulation",
            "source_ref": "demo-yiwang-check-2025",
            "kind": DisclosureKind.SPOT_CHECK,
            "title": "2025年度“双随机、一公开”抽查",
            "result": "未发现问题",
            "legal_basis": "《企业信息公示暂行条例》第十四条",
            "decided_on": "2025-09-16",
        },
    ]
    for row in demo_rows:
        if row["department"] in departments:
            rows.append((0, cleaning.clean_disclosure_row(row, today=today)))
    with transaction.atomic():
        counts = loader.upsert_disclosures(rows, departments)
        if counts.inserted:
            record(
                "credit.demo_disclosures_seeded",
                actor=actor,
                object_type="credit.disclosure",
                after={"inserted": counts.inserted},
            )
    return counts.inserted


def _figures(rng: random.Random) -> dict[str, Decimal]:
    def m(x: float) -> Decimal:
        return Decimal(str(round(x, 2)))

    assets = m(rng.uniform(20, 20000))
    liabilities = m(float(assets) * rng.uniform(0.1, 0.9))
    revenue = m(rng.uniform(10, 30000))
    profit = m(float(revenue) * rng.uniform(-0.1, 0.2))
    return {
        "total_assets": assets,
        "total_liabilities": liabilities,
        "owners_equity": assets - liabilities,
        "revenue": revenue,
        "main_business_revenue": m(float(revenue) * rng.uniform(0.7, 1.0)),
        "total_profit": profit,
        "net_profit": m(float(profit) * 0.75) if profit > 0 else profit,
        "tax_paid": m(float(revenue) * rng.uniform(0.0, 0.05)),
    }


def _report(e: Enterprise, year: int, filed_on: date, rng: random.Random) -> AnnualReport:
    return AnnualReport(
        enterprise=e,
        year=year,
        filed_on=filed_on,
        filed_at=timezone.make_aware(datetime.combine(filed_on, time(10))),
        late=rules.report_is_late(year, filed_on),
        address=e.address or "吉林省长春市",
        postal_code=f"1{rng.randint(30000, 39999)}",
        phone=f"0431-8{rng.randint(1000000, 9999999)}",
        email="",
        operating_status=OperatingStatus.OPERATING,
        employees=rng.choice((1, 3, 5, 8, 12, 20, 45, 120, 600)),
        contributions=[
            {
                "shareholder": e.legal_representative,
                "subscribed": str(e.registered_capital or 10),
                "paid": str(e.registered_capital or 10),
                "method": "货币",
            }
        ],
        financials_public=rng.random() < 0.4,
        **_figures(rng),
    )


#: Share of enterprises that filed a year's report on time, by how long ago its period closed.
ON_TIME = {0: 0.93, 1: 0.97}
ON_TIME_OLDER = 0.997
LATE_SHARE = 0.4  # of those who missed the period, how many filed later


def _reports(enterprises: list[Enterprise], today: date, *, actor: Actor) -> int:
    closed = rules.latest_closed_report_year(today) or today.year - 2
    existing = set(
        AnnualReport.objects.filter(enterprise__in=enterprises).values_list("enterprise_id", "year")
    )
    new: list[AnnualReport] = []
    for e in enterprises:
        if e.status != EnterpriseStatus.ACTIVE:
            continue
        first = max(rules.first_report_year(e.established_on), closed - 3)
        for year in range(first, today.year):
            if (e.pk, year) in existing:
                continue
            # One generator per enterprise and year: what was skipped does not shift the rest.
            rng = random.Random(f"{DEMO_SEED}-{e.uscc}-{year}")  # noqa: S311 - synthetic data
            if e.uscc == DEMO_USCC:
                # The demo account has its latest closed year to file (and is listed for it).
                if year < closed:
                    new.append(_report(e, year, date(year + 1, 3, 15), rng))
                continue
            opens, deadline = date(year + 1, 1, 1), rules.report_deadline(year)
            if year > closed:  # the period is open now: filed so far, in proportion
                share = min(1.0, (today - opens).days / max(1, (deadline - opens).days)) * 0.9
                if rng.random() < share:
                    new.append(
                        _report(
                            e,
                            year,
                            opens + timedelta(days=rng.randrange(max(1, (today - opens).days))),
                            rng,
                        )
                    )
                continue
            if rng.random() < ON_TIME.get(closed - year, ON_TIME_OLDER):
                new.append(_report(e, year, opens + timedelta(days=rng.randrange(4, 180)), rng))
            elif rng.random() < LATE_SHARE:
                late_on = deadline + timedelta(days=rng.randrange(20, 200))
                if late_on < today:
                    new.append(_report(e, year, late_on, rng))
    with transaction.atomic():
        AnnualReport.objects.bulk_create(new, batch_size=1000)
        if new:
            record(
                "credit.demo_reports_seeded",
                actor=actor,
                object_type="credit.annualreport",
                after={"inserted": len(new)},
            )
    return len(new)


def _immediate_info(
    enterprises: list[Enterprise], today: date, rng: random.Random, *, actor: Actor
) -> int:
    kinds = [k.value for k in ImmediateInfoKind]
    wanted = []
    for i, e in enumerate(enterprises[::10]):
        changed = max(e.established_on, today - timedelta(days=rng.randrange(10, 700)))
        published = min(today, changed + timedelta(days=rng.choice((3, 10, 20, 25, 40))))
        due = rules.immediate_info_due(changed)
        wanted.append(
            ImmediateInfo(
                enterprise=e,
                kind=rng.choice(kinds),
                changed_on=changed,
                content="股东出资信息变更" if i % 2 else "取得道路运输经营许可证",
                published_on=published,
                published_at=timezone.make_aware(datetime.combine(published, time(9))),
                due_on=due,
                late=published > due,
            )
        )
    # One demo item per chosen enterprise, published by nobody (the seed): an enterprise
    # that has one already is left alone, so a second run adds nothing.
    existing = set(
        ImmediateInfo.objects.filter(
            enterprise__in=[w.enterprise for w in wanted], published_by=None
        ).values_list("enterprise_id", flat=True)
    )
    new = [w for w in wanted if w.enterprise.pk not in existing]
    with transaction.atomic():
        ImmediateInfo.objects.bulk_create(new)
        if new:
            record(
                "credit.demo_immediate_info_seeded",
                actor=actor,
                object_type="credit.immediateinfo",
                after={"inserted": len(new)},
            )
    return len(new)


def _lists(today: date, *, actor: Actor) -> int:
    created = 0
    closed = rules.latest_closed_report_year(today)
    if closed is None:
        return 0
    # The yearly sweeps on the days they would have run, oldest first.
    for year in range(closed - 3, closed + 1):
        day = workdays.add(rules.report_deadline(year), 3).value
        created += services.list_missing_annual_reports(today=min(day, today), actor=actor).listed
    # Late filers applied for removal after filing; the older ones were decided.
    for entry in (
        ListEntry.objects.filter(
            list_kind=ListKind.ABNORMAL, cause=ListCause.NO_ANNUAL_REPORT, status=EntryStatus.ACTIVE
        )
        .select_related("enterprise")
        .order_by("pk")
    ):
        if entry.report_year is None:
            continue
        report = AnnualReport.objects.filter(
            enterprise=entry.enterprise, year=entry.report_year
        ).first()
        if report is None or entry.applications.exists():
            continue
        applied_on = max(report.filed_on, entry.listed_on) + timedelta(days=2)
        if applied_on > today:
            continue
        application = services.apply_for_removal(
            entry,
            statement=f"已于 {report.filed_on} 补报 {entry.report_year} 年度报告，申请移出。",
            actor=actor,
            today=applied_on,
        )
        created += 1
        if entry.report_year < closed:
            services.decide_removal(
                application,
                approve=True,
                reason="已补报年度报告，准予移出",
                department=entry.department,
                actor=actor,
                today=application.due_on - timedelta(days=1),
            )
    # Three years on the list: the reminder and escalation sweep on the days it would have run.
    created += _escalations_until(today, actor=actor)
    created += _staff_listings(today, actor=actor)
    return created


def _escalations_until(today: date, *, actor: Actor) -> int:
    listed = ListEntry.objects.filter(list_kind=ListKind.ABNORMAL, status=EntryStatus.ACTIVE)
    days = set()
    for on in listed.values_list("listed_on", flat=True).distinct():
        days.add(rules.reminder_starts(on))
        days.add(rules.abnormal_term_ends(on) + timedelta(days=1))
    done = 0
    for day in sorted(d for d in days if d <= today):
        result = services.escalate_long_abnormal(today=day, actor=actor)
        done += result.reminded + result.escalated
    return done


def _staff_listings(today: date, *, actor: Actor) -> int:
    """Listings for the other causes, one near its three years (so its reminder is
    public now), and exposure of some serious violators."""
    authorities = selectors.registration_authorities()
    created = 0
    # Fixed picks (not "whoever is not listed yet"), so a second run picks the same ones.
    picks = Enterprise.objects.filter(
        uscc__in=[r["uscc"] for r in _rows(DEMO_COUNT, today)[7::331]],
        status=EnterpriseStatus.ACTIVE,
    ).order_by("pk")
    plan = [
        (
            ListCause.UNREACHABLE,
            rules.add_years(today, -3) + timedelta(days=30),
            "经实地核查，通过登记的住所无法联系",
        ),
        (ListCause.UNREACHABLE, today - timedelta(days=200), "经实地核查，通过登记的住所无法联系"),
        (ListCause.UNREACHABLE, today - timedelta(days=90), "邮寄专用信函被退回，无法联系"),
        (
            ListCause.FALSE_INFO,
            today - timedelta(days=150),
            "年度报告中从业人数与社保缴纳人数严重不符",
        ),
        (
            ListCause.NO_ORDERED_INFO,
            today - timedelta(days=60),
            "责令限期公示行政许可信息，逾期未公示",
        ),
    ]
    for (cause, on, reason), e in zip(plan, picks, strict=False):
        if ListEntry.objects.filter(enterprise=e, cause=cause).exists():
            continue
        department = selectors.registration_authority_for(e.region_code, authorities)
        if department is None:
            continue
        services.list_enterprise(
            e,
            list_kind=ListKind.ABNORMAL,
            cause=cause,
            reason=reason,
            department=department,
            actor=actor,
            today=on,
        )
        created += 1
    created += _escalations_until(today, actor=actor)
    for entry in (
        ListEntry.objects.filter(list_kind=ListKind.SERIOUS, status=EntryStatus.ACTIVE)
        .select_related("enterprise", "department")
        .order_by("pk")[:2]
    ):
        if (
            entry.department is None
            or ListEntry.objects.filter(
                enterprise=entry.enterprise, list_kind=ListKind.EXPOSED
            ).exists()
        ):
            continue
        services.list_enterprise(
            entry.enterprise,
            list_kind=ListKind.EXPOSED,
            cause=ListCause.AUTHORITY_DECISION,
            reason="列入严重违法失信名单后仍未履行义务，经研究决定予以曝光",
            department=entry.department,
            actor=actor,
            today=min(today, entry.listed_on + timedelta(days=30)),
        )
        created += 1
    return created
