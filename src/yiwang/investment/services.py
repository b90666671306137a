"""The only writers of investment projects: the rules' loader, registration (赋码),
filing (备案, 即来即办), a filing's change and its cancellation. Each one transaction,
audited inside it; the filing certificate is an e-license of the license library."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.investment import rules
from yiwang.investment.choices import (
    BY_REGION,
    Category,
    EventKind,
    Funding,
    Level,
    ProjectStatus,
)
from yiwang.investment.codes import next_project_code
from yiwang.investment.models import CategoryRule, Project, ProjectEvent
from yiwang.investment.selectors import not_found, parse_code
from yiwang.licenses.selectors import holder_of_account
from yiwang.licenses.services import Holder, issue_license, new_version, revoke_license
from yiwang.org.models import Department, Region

#: The filing certificate is issued, changed and revoked by the platform on the
#: investment authority's behalf (即来即办: no clerk acts on a filing).
FILING_ACTOR = Actor.system("investment-filing")
NAME_MAX = 200
CONTENT_MAX = 500  # the certificate's metadata holds 500 characters a field
REASON_MAX = 500
#: 1 000 亿元 in 万元: anything larger is a typing error, not a project.
INVESTMENT_MAX = Decimal("10000000")
#: The fields a filing change may touch (region and industry are in the code).
CHANGEABLE = (
    "name",
    "content",
    "total_investment",
    "funding",
    "government_investment",
    "planned_start",
    "planned_end",
)


# --- rules -------------------------------------------------------------------------


def load_category_rules(path: str | Path | None = None, *, actor: Actor) -> int:
    """Create or bring up to date the category rules of the file; how many changed
    (0 on a second run). A rule missing from the file is deactivated, never deleted:
    projects name the rule that decided them."""
    actor = as_actor(actor)
    data = json.loads(Path(path or rules.RULES_FILE).read_text(encoding="utf-8"))
    entries = data["rules"]
    for entry in entries:
        _check_rule(entry)
    changed = 0
    with transaction.atomic():
        existing = {r.code: r for r in CategoryRule.objects.all()}
        # Priorities are unique: park every row out of the way before reordering.
        wanted = {e["code"] for e in entries}
        for entry in entries:
            values = {
                "name": entry["name"],
                "priority": int(entry["priority"]),
                "category": entry["category"],
                "level": entry["level"],
                "conditions": entry.get("conditions", {}),
                "basis": entry.get("basis", ""),
                "is_active": True,
            }
            current = existing.get(entry["code"])
            if current is not None and all(getattr(current, k) == v for k, v in values.items()):
                continue
            clash = CategoryRule.objects.filter(priority=values["priority"]).exclude(
                code=entry["code"]
            )
            for other in clash:  # moved aside; its own entry (if any) sets it again
                other.priority = 1_000_000 + other.pk
                other.save(update_fields=["priority"])
            if current is None:
                rule = CategoryRule.objects.create(code=entry["code"], **values)
                action = "investment.rule_created"
            else:
                for k, v in values.items():
                    setattr(current, k, v)
                current.save()
                rule, action = current, "investment.rule_changed"
            record(action, rule, actor=actor, object_id=rule.code, after=values)
            changed += 1
        for code, rule in existing.items():
            if code not in wanted and rule.is_active:
                rule.is_active = False
                rule.save(update_fields=["is_active"])
                record("investment.rule_deactivated", rule, actor=actor, object_id=code)
                changed += 1
    return changed


def _check_rule(entry: dict[str, Any]) -> None:
    levels = {*Level.values, BY_REGION}
    conditions = entry.get("conditions", {})
    if (
        entry.get("category") not in Category.values
        or entry.get("level") not in levels
        or not isinstance(conditions, dict)
        or set(conditions) - rules.CONDITIONS
        or not set(conditions.get("industries", [])) <= set(rules.industries())
    ):
        raise ValidationFailed(
            _("项目类别规则 %(code)s 不正确") % {"code": str(entry.get("code", ""))[:60]},
            code="bad_category_rule",
        )


# --- checking what a project says ----------------------------------------------------


@dataclass(frozen=True)
class Clean:
    name: str
    content: str
    total_investment: Decimal
    funding: str
    government_investment: Decimal
    planned_start: date
    planned_end: date


def _text(value: Any, limit: int) -> str | None:
    """One line of printable text of at most `limit` characters, or None."""
    text = " ".join(str(value or "").split())
    if not text or len(text) > limit or not text.isprintable():
        return None
    return text


def _amount(value: Any) -> Decimal | None:
    """A non-negative amount in 万元 with at most two decimals, or None."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount > INVESTMENT_MAX:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


def _clean(values: dict[str, Any]) -> Clean:
    name = _text(values.get("name"), NAME_MAX)
    if name is None:
        raise ValidationFailed(
            _("请填写项目名称（不超过 %(max)s 字）") % {"max": NAME_MAX}, code="bad_project_name"
        )
    content = _text(values.get("content"), CONTENT_MAX)
    if content is None:
        raise ValidationFailed(
            _("请填写建设规模及内容（不超过 %(max)s 字）") % {"max": CONTENT_MAX},
            code="bad_project_content",
        )
    total = _amount(values.get("total_investment"))
    if total is None or total <= 0:
        raise ValidationFailed(
            _("总投资应为大于 0 的金额（万元，最多两位小数）"), code="bad_total_investment"
        )
    funding = str(values.get("funding") or "")
    if funding not in Funding.values:
        raise ValidationFailed(
            _("资金来源应为政府投资、企业投资或共同投资"),
            code="unknown_funding",
            allowed=list(Funding.values),
        )
    raw_share = values.get("government_investment")
    if funding == Funding.GOVERNMENT and raw_share in (None, ""):
        raw_share = total
    share = _amount(raw_share if raw_share not in (None, "") else 0)
    if share is None:
        raise ValidationFailed(_("政府投资金额不正确"), code="bad_government_investment")
    if (
        (funding == Funding.GOVERNMENT and share != total)
        or (funding == Funding.ENTERPRISE and share != 0)
        or (funding == Funding.MIXED and share >= total)
    ):
        raise ValidationFailed(
            _(
                "政府投资金额与资金来源不符：政府投资项目等于总投资，企业投资项目为 0，"
                "共同投资项目小于总投资"
            ),
            code="bad_government_investment",
        )
    start, end = values.get("planned_start"), values.get("planned_end")
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        raise ValidationFailed(_("计划竣工日期不能早于计划开工日期"), code="bad_planned_dates")
    if start.year < 2000 or end.year > 2100:
        raise ValidationFailed(_("计划开工、竣工日期超出范围"), code="bad_planned_dates")
    return Clean(name, content, total, funding, share, start, end)


def _region(code: str) -> Region:
    region = Region.objects.filter(code=str(code or "")[:12]).first()
    if region is None or region.level not in ("province", "city", "county"):
        raise ValidationFailed(
            _("建设地点应为省、市（州）或县（市、区）的区划代码"), code="bad_project_region"
        )
    return region


def _industry(code: str) -> str:
    if code not in rules.industries():
        raise ValidationFailed(
            _("未知的行业代码：%(code)s") % {"code": str(code)[:10]},
            code="unknown_industry",
            allowed=sorted(rules.industries()),
        )
    return code


@dataclass(frozen=True)
class Decision:
    rule: CategoryRule
    category: str
    level: str
    competent_region: Region | None
    competent_department: Department | None


def decide(region: Region, industry: str, clean: Clean) -> Decision:
    """The category, level and competent authority of a project by the active rules."""
    active = {r.code: r for r in CategoryRule.objects.filter(is_active=True)}
    rows = [
        rules.RuleRow(r.code, r.priority, r.category, r.level, r.conditions)
        for r in active.values()
    ]
    facts = rules.Facts(
        industry=industry,
        total_investment=clean.total_investment,
        funding=clean.funding,
        government_investment=clean.government_investment,
        region_level=region.level,
    )
    found = rules.decide(rows, facts)
    if found is None:
        raise ValidationFailed(_("没有适用于该项目的类别规则"), code="no_category_rule")
    row, category, level = found
    codes = region.path.strip("/").split("/")
    competent_region: Region | None = None
    department: Department | None = None
    if level != Level.NATIONAL:
        depth = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2}[Level(level)]
        competent_code = codes[min(depth, len(codes) - 1)]
        competent_region = Region.objects.get(code=competent_code)
        above = codes[: codes.index(competent_code) + 1]
        authority = rules.authority_of(list(reversed(above)))
        if authority is not None:
            department = Department.objects.filter(code=authority).first()
    return Decision(active[row.code], category, level, competent_region, department)


def _snapshot(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "name": project.name,
        "owner": project.owner_name,
        "owner_code": project.owner_code,
        "region": project.region_id,
        "industry": project.industry,
        "content": project.content,
        "total_investment": str(project.total_investment),
        "funding": project.funding,
        "government_investment": str(project.government_investment),
        "planned_start": project.planned_start.isoformat(),
        "planned_end": project.planned_end.isoformat(),
        "category": project.category,
        "level": project.level,
        "competent_department": (
            project.competent_department.code if project.competent_department else None
        ),
        "decided_by": project.decided_by.code,
        "status": project.status,
        "version": project.version,
    }


def _event(project: Project, kind: str, actor: Actor, now: Any, reason: str = "") -> None:
    ProjectEvent.objects.create(
        project=project,
        version=project.version,
        kind=kind,
        at=now,
        actor=actor.label[:150],
        reason=reason,
        snapshot=_snapshot(project),
        certificate=project.certificate,
    )


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("请填写原因"), code="reason_required")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("原因不能超过 %(max)s 个字符") % {"max": REASON_MAX}, code="reason_too_long"
        )
    return reason


# --- registration and filing ---------------------------------------------------------


def register_project(
    *,
    name: str,
    region: str,
    industry: str,
    content: str,
    total_investment: Any,
    funding: str,
    planned_start: date,
    planned_end: date,
    actor: Actor,
    government_investment: Any = None,
    owner_department: Department | None = None,
    file: bool = False,
) -> Project:
    """Register a project and give it its unified code (赋码); with `file`, a 备案
    project is filed at once (即来即办). The owner is the enterprise acting or, for a
    government-invested project, `owner_department` (its staff or the platform)."""
    actor = as_actor(actor)
    owner_user_id: int | None = None
    if owner_department is not None:
        if not actor.is_system and not any(
            p.department_id == owner_department.pk for p in actor.posts
        ):
            raise PermissionDenied(
                _("只有该部门的工作人员可以以部门名义登记项目"), code="not_project_unit"
            )
        if not owner_department.uscc:
            raise ValidationFailed(_("项目单位没有统一社会信用代码"), code="owner_without_uscc")
        owner_name, owner_code = owner_department.name, owner_department.uscc
    else:
        ref = holder_of_account(actor.pk)
        if ref is None or ref.kind != "entity":
            raise PermissionDenied(_("只有企业账户可以登记投资项目"), code="enterprises_only")
        owner_user_id, owner_name, owner_code = actor.pk, ref.name, ref.code
    place = _region(region)
    industry = _industry(str(industry or ""))
    clean = _clean(
        {
            "name": name,
            "content": content,
            "total_investment": total_investment,
            "funding": funding,
            "government_investment": government_investment,
            "planned_start": planned_start,
            "planned_end": planned_end,
        }
    )
    decision = decide(place, industry, clean)
    if file and decision.category != Category.FILING:
        raise ValidationFailed(
            _("该项目属于%(category)s类项目，不能备案")
            % {"category": Category(decision.category).label},
            code="not_a_filing_project",
            category=decision.category,
        )
    now = timezone.now()
    with transaction.atomic():
        code = next_project_code(
            timezone.localdate().year,
            place.code[:6],
            industry,
            rules.project_type_of(decision.category),
        )
        project = Project.objects.create(
            code=code,
            owner_user_id=owner_user_id,
            owner_department=owner_department,
            owner_name=owner_name,
            owner_code=owner_code,
            region=place,
            industry=industry,
            category=decision.category,
            level=decision.level,
            competent_region=decision.competent_region,
            competent_department=decision.competent_department,
            decided_by=decision.rule,
            created_at=now,
            **clean.__dict__,
        )
        _event(project, EventKind.REGISTERED, actor, now)
        record(
            "investment.registered",
            project,
            actor=actor,
            object_id=project.code,
            after={
                "category": project.category,
                "level": project.level,
                "decided_by": decision.rule.code,
                "total_investment": str(project.total_investment),
            },
        )
        if file:
            _file(project, actor, now)
    return project


def _certificate_metadata(project: Project) -> dict[str, str]:
    return {
        "project_code": project.code,
        "project_name": project.name,
        "location": project.region.name,
        "industry": rules.industries().get(project.industry, project.industry),
        "content": project.content,
        "total_investment": f"{project.total_investment}",
        "funding": str(Funding(project.funding).label),
        "planned_period": f"{project.planned_start:%Y-%m-%d} 至 {project.planned_end:%Y-%m-%d}",
    }


def _file(project: Project, actor: Actor, now: Any) -> None:
    if project.category != Category.FILING:
        raise ValidationFailed(
            _("该项目属于%(category)s类项目，不能备案")
            % {"category": Category(project.category).label},
            code="not_a_filing_project",
            category=project.category,
        )
    if project.status != ProjectStatus.REGISTERED:
        raise InvalidTransition(
            _("项目当前状态为“%(status)s”，不能备案")
            % {"status": ProjectStatus(project.status).label},
            current_state=project.status,
            code="project_not_registered",
        )
    authority = project.competent_department
    if authority is None or not authority.uscc:
        raise ValidationFailed(
            _("项目所在地没有可办理备案的投资主管部门"), code="no_filing_authority"
        )
    lic = issue_license(
        type_code=rules.filing_license_type(),
        issuer=authority,
        holder=Holder("entity", project.owner_code, project.owner_name),
        metadata=_certificate_metadata(project),
        actor=FILING_ACTOR,
    )
    project.status = ProjectStatus.FILED
    project.certificate = lic.identifier
    project.filed_at = now
    project.version += 1
    project.save(update_fields=["status", "certificate", "filed_at", "version"])
    _event(project, EventKind.FILED, actor, now)
    record(
        "investment.filed",
        project,
        actor=actor,
        object_id=project.code,
        before={"status": ProjectStatus.REGISTERED},
        after={"status": project.status, "certificate": lic.identifier},
    )


def _own_locked(actor: Actor, code: str) -> Project:
    """The owner's project, locked; NotFound for anyone else's (or none)."""
    code = parse_code(code)
    found = (
        Project.objects.select_for_update(of=("self",))
        .select_related("region", "competent_department", "decided_by")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise not_found()
    if actor.is_system:
        return found
    mine = found.owner_user_id is not None and found.owner_user_id == actor.pk
    unit = found.owner_department_id is not None and any(
        p.department_id == found.owner_department_id for p in actor.posts
    )
    if not (mine or unit):
        raise not_found()
    return found


def file_project(code: str, *, actor: Actor) -> Project:
    """File a registered 备案 project (即来即办): the certificate is issued at once."""
    actor = as_actor(actor)
    now = timezone.now()
    with transaction.atomic():
        project = _own_locked(actor, code)
        _file(project, actor, now)
    return project


def _require_filed(project: Project, verb: str) -> None:
    if project.status != ProjectStatus.FILED:
        raise InvalidTransition(
            _("项目当前状态为“%(status)s”，不能%(verb)s")
            % {"status": ProjectStatus(project.status).label, "verb": verb},
            current_state=project.status,
            code="project_not_filed",
        )


def change_filing(code: str, *, reason: str, changes: dict[str, Any], actor: Actor) -> Project:
    """A change of a filing (备案变更): the project's next version, the certificate's
    next version (the old one superseded), both histories kept."""
    actor = as_actor(actor)
    reason = _reason(reason)
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationFailed(
            _("备案变更不能修改这些项目：%(names)s") % {"names": "、".join(unknown)},
            code="unchangeable_field",
            unknown=unknown,
        )
    now = timezone.now()
    with transaction.atomic():
        project = _own_locked(actor, code)
        _require_filed(project, _("变更"))
        current = {name: getattr(project, name) for name in CHANGEABLE}
        merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
        if merged.get("funding") != Funding.MIXED and "government_investment" not in changes:
            merged["government_investment"] = None  # follows the new funding
        clean = _clean(merged)
        if all(getattr(clean, name) == current[name] for name in CHANGEABLE):
            raise ValidationFailed(_("变更内容与现有备案信息相同"), code="nothing_changed")
        decision = decide(project.region, project.industry, clean)
        if decision.category != Category.FILING:
            raise ValidationFailed(
                _("变更后该项目属于%(category)s类项目，不能以备案变更办理，请重新登记")
                % {"category": Category(decision.category).label},
                code="category_changed",
                category=decision.category,
            )
        before = _snapshot(project)
        for name in CHANGEABLE:
            setattr(project, name, getattr(clean, name))
        project.level = decision.level
        project.decided_by = decision.rule
        lic = new_version(
            project.certificate,
            actor=FILING_ACTOR,
            reason=reason,
            metadata=_certificate_metadata(project),
        )
        project.certificate = lic.identifier
        project.version += 1
        project.save()
        _event(project, EventKind.CHANGED, actor, now, reason)
        after = _snapshot(project)
        record(
            "investment.filing_changed",
            project,
            actor=actor,
            object_id=project.code,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v} | {"reason": reason},
        )
    return project


def cancel_filing(code: str, *, reason: str, actor: Actor) -> Project:
    """Cancel a filing (备案撤销): the certificate is revoked through the license library;
    the project and its history stay."""
    actor = as_actor(actor)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        project = _own_locked(actor, code)
        _require_filed(project, _("撤销"))
        revoke_license(project.certificate, reason=reason, actor=FILING_ACTOR)
        project.status = ProjectStatus.CANCELLED
        project.version += 1
        project.save(update_fields=["status", "version"])
        _event(project, EventKind.CANCELLED, actor, now, reason)
        record(
            "investment.filing_cancelled",
            project,
            actor=actor,
            object_id=project.code,
            before={"status": ProjectStatus.FILED},
            after={"status": project.status, "reason": reason},
        )
    return project
