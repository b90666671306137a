"""The live monitor (网上效能监察, issue 12 item 2): the open cases of a supervisor's
scope by status, region, hall, department, item and responsible staff, with the
yellow (near due) and red (overdue) marks — counted in one GROUP BY (decision 0025).

Rules (docs/supervision.md, "Live monitor"):

- *Scope*: `restrict(Case, actor, SUPERVISION_VIEW)` (cases' scope rule: a
  ``region_below`` post sees its region and below); a `region=` outside the actor's
  reach is 404 `region_not_found`, exactly like a region that does not exist (as a case
  outside the scope is `case_not_found`).
- *Open*: every status but the terminal ones (`cases.choices.TERMINAL_STATUSES`).
- *Red / yellow* are `cases.clock.clock_view`'s marks, as SQL date comparisons on the
  stored `due_on`: red when `due_on < today`; yellow when `today <= due_on <
  near_due_before(today, stage limit)` — the one near-due rule of `cases.clock`
  (YIWANG_NEAR_DUE). The stage limit takes a handful of values (5 before acceptance,
  10 after the decision, the promised limits of the open cases), so the condition is
  one OR per distinct threshold.
- *Suspended* (特别程序) cases: the clock stands still, so they are never yellow and are
  red only when the procedure started after the due day (`suspended_on > due_on`, as
  `clock_view` counts them). Cases with no stage deadline (supplement requested, in the
  post) are neither.
- *Provisional* deadlines (a year without a holiday notice) count by their stored day
  (counted on weekends only) and are reported separately as `provisional`.
- *Responsible staff* of an open case: `Case.responsible` (`cases.responsible`: the
  staff member of its latest event who holds a post in the unit of the current stage);
  None when nobody of that unit has acted yet (the unit itself answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    Case as When_,
)
from django.db.models import (
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor, restrict
from yiwang.accounts.models import User
from yiwang.cases.choices import TERMINAL_STATUSES, CaseStatus
from yiwang.cases.clock import (
    ACCEPTANCE_WINDOW_WORKDAYS,
    ISSUE_LIMIT_WORKDAYS,
    near_due_before,
    today,
)
from yiwang.cases.models import Case
from yiwang.catalog.models import ServiceItem
from yiwang.common.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.org.choices import RegionLevel
from yiwang.org.models import Department, Region, ServiceHall
from yiwang.supervision.selectors import UnitCards, open_cards_by_unit

#: Stages measured against the promised limit.
PROMISED_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW)
ISSUE_STATUSES = (CaseStatus.APPROVED, CaseStatus.ISSUED)
#: The rows of the item and department tables the overview lists (the largest first).
TOP = 20


def open_cases(actor: Actor) -> QuerySet[Case]:
    """Every open case the actor supervises."""
    return restrict(
        Case.objects.exclude(status__in=TERMINAL_STATUSES),
        as_actor(actor),
        Permission.SUPERVISION_VIEW,
    )


# --- where: the region (and hall, department) of the drill-down -----------------------


def supervises(actor: Actor) -> bool:
    """Whether the actor supervises any region (a supervisor's post, the platform)."""
    actor = as_actor(actor)
    return actor.platform or actor.is_system or bool(actor.paths_below(Permission.SUPERVISION_VIEW))


def require_supervisor(actor: Actor) -> Actor:
    """The actor, if it supervises anything; else 403 `not_a_supervisor` (every
    supervision read: the monitor, the cards, the statistics)."""
    actor = as_actor(actor)
    if not supervises(actor):
        raise PermissionDenied(_("只有效能监察人员可以查看"), code="not_a_supervisor")
    return actor


def reach_root(actor: Actor) -> Region:
    """The region the actor's monitor opens on: the widest region it supervises (the
    province for the platform administrator)."""
    actor = as_actor(actor)
    paths = sorted(actor.paths_below(Permission.SUPERVISION_VIEW), key=len)
    if actor.platform or actor.is_system:
        root = Region.objects.filter(parent__isnull=True).order_by("path").first()
    elif paths:
        root = Region.objects.filter(path=paths[0]).first()
    else:
        root = None
    if root is None:
        raise NotFound(_("没有可监察的地区"), code="region_not_found")
    return root


def region_for(actor: Actor, code: str | None) -> Region:
    """The region `code` if the actor supervises it (404 `region_not_found` otherwise,
    the same answer as for a code that does not exist); the actor's root when empty."""
    actor = as_actor(actor)
    if not code:
        return reach_root(actor)
    region = Region.objects.filter(code=code).first()
    if region is None or not _reaches(actor, region.path):
        raise NotFound(_("地区 %(code)s 不存在") % {"code": code[:12]}, code="region_not_found")
    return region


def _reaches(actor: Actor, path: str) -> bool:
    if actor.platform or actor.is_system:
        return True
    return any(path.startswith(p) for p in actor.paths_below(Permission.SUPERVISION_VIEW))


def _unit_for(model: type[Any], value: str | int | None, region: Region) -> Any:
    if value in (None, ""):
        return None
    found = model.objects.select_related("region").filter(code=str(value)[:40]).first()
    if found is not None and found.region.path.startswith(region.path):
        return found
    if model is ServiceHall:
        raise NotFound(_("没有这个大厅"), code="hall_not_found")
    raise NotFound(_("没有这个部门"), code="department_not_found")


def parse_day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("日期格式应为 YYYY-MM-DD：%(name)s") % {"name": name}, code="bad_date"
        ) from None


@dataclass(frozen=True)
class Where:
    """One node of the drill-down: a region, optionally a hall and a department in it."""

    region: Region
    hall: ServiceHall | None = None
    department: Department | None = None
    arrived_from: date | None = None
    arrived_to: date | None = None

    def filter(self, qs: QuerySet[Case]) -> QuerySet[Case]:
        qs = qs.filter(region__path__startswith=self.region.path)
        if self.hall is not None:
            qs = qs.filter(hall=self.hall)
        if self.department is not None:
            qs = qs.filter(department=self.department)
        if self.arrived_from is not None:
            qs = qs.filter(arrived_on__gte=self.arrived_from)
        if self.arrived_to is not None:
            qs = qs.filter(arrived_on__lte=self.arrived_to)
        return qs

    def query(self) -> dict[str, str]:
        """The URL parameters of this node (the path is kept in the address)."""
        q = {"region": self.region.code}
        if self.hall is not None:
            q["hall"] = self.hall.code
        if self.department is not None:
            q["department"] = self.department.code
        return q


def where_for(
    actor: Actor,
    *,
    region: str | None = None,
    hall: str | int | None = None,
    department: str | int | None = None,
    arrived_from: str | None = None,
    arrived_to: str | None = None,
) -> Where:
    node = region_for(actor, region)
    return Where(
        node,
        _unit_for(ServiceHall, hall, node),
        _unit_for(Department, department, node),
        parse_day(arrived_from, "from"),
        parse_day(arrived_to, "to"),
    )


# --- colours: the clock's marks as SQL ------------------------------------------------


def _limit_expr() -> Any:
    """The stage limit of a case, as SQL (cases.clock.stage_limit)."""
    return When_(
        When(status=CaseStatus.SUBMITTED, then=Value(ACCEPTANCE_WINDOW_WORKDAYS)),
        When(status__in=ISSUE_STATUSES, then=Value(ISSUE_LIMIT_WORKDAYS)),
        default=Coalesce("promised_limit_days", "item__promised_limit_days"),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Colours:
    """The red and yellow conditions as of one day, for one set of stage limits."""

    red: Q
    yellow: Q
    on: date


def stage_limits() -> set[int]:
    """Every stage limit an open case can have: the fixed windows, the promised limits
    the open cases in review carry, and the catalog's (the fallback when a case carries
    none). A superset of the limits in any scope is harmless — a limit no case has adds
    a condition nothing meets — and reading it unscoped is a scan of the open cases'
    index without a join (decision 0025)."""
    carried = (
        Case.objects.exclude(status__in=TERMINAL_STATUSES)
        .filter(status__in=PROMISED_STATUSES, promised_limit_days__isnull=False)
        .order_by()
        .values_list("promised_limit_days", flat=True)
        .distinct()
    )
    catalog = (
        ServiceItem.objects.filter(promised_limit_days__isnull=False)
        .order_by()
        .values_list("promised_limit_days", flat=True)
        .distinct()
    )
    found = {int(n) for n in [*carried, *catalog] if n is not None}
    return {ACCEPTANCE_WINDOW_WORKDAYS, ISSUE_LIMIT_WORKDAYS, *found}


def colours(on: date | None = None) -> Colours:
    """Red and yellow as of `on` (today), as Q objects over a queryset annotated by
    `coloured`."""
    on = on or today()
    by_cut: dict[date, set[int]] = {}
    for limit in stage_limits():
        by_cut.setdefault(near_due_before(on, limit), set()).add(limit)
    timed = Q(due_on__isnull=False) & ~Q(status=CaseStatus.SUSPENDED)
    red = (timed & Q(due_on__lt=on)) | Q(
        status=CaseStatus.SUSPENDED, suspended_on__isnull=False, due_on__lt=F("suspended_on")
    )
    near = [Q(stage_limit__in=sorted(group), due_on__lt=cut) for cut, group in by_cut.items()]
    yellow = timed & Q(due_on__gte=on) & reduce(or_, near)
    return Colours(red, yellow, on)


def coloured(qs: QuerySet[Case]) -> QuerySet[Case]:
    """`qs` with the `stage_limit` annotation the colour conditions read."""
    return qs.annotate(stage_limit=_limit_expr())


# --- the overview -------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a breakdown: what it is, its open cases, red and yellow, and cards."""

    key: str
    name: str
    open: int = 0
    red: int = 0
    yellow: int = 0
    cards: int = 0
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class Overview:
    where: Where
    on: date
    level: str  # what the children are: region | hall | department | case
    open: int
    red: int
    yellow: int
    provisional: int
    suspended: int
    cards: UnitCards
    by_status: list[Row]
    children: list[Row]
    by_department: list[Row]
    by_item: list[Row]
    staff: list[Row]
    breadcrumbs: list[tuple[str, dict[str, str]]]

    @property
    def cards_open(self) -> int:
        return self.cards.unanswered

    @property
    def cards_escalated(self) -> int:
        return self.cards.escalated

    @property
    def on_time_share(self) -> float | None:
        """Share of the open cases not overdue (the headline figure)."""
        return None if not self.open else round(1 - self.red / self.open, 4)


#: What the overview groups the open cases by, in its one GROUP BY: every breakdown is
#: folded from these rows in Python (docs/decisions/0025: the partial covering index
#: `case_open_idx` holds all of them, so the query reads the index alone).
GROUPED_BY = (
    "status",
    "region_id",
    "department_id",
    "hall_id",
    "item_id",
    "responsible_id",
    "deadlines_provisional",
)

Counts = dict[Any, tuple[int, int, int]]


def _counts(colour: Colours) -> dict[str, Any]:
    # counted over `region`, a NOT NULL key column of the index (the id is not in it)
    return {
        "n": Count("region"),
        "r": Count("region", filter=colour.red),
        "y": Count("region", filter=colour.yellow),
    }


@dataclass(frozen=True)
class _Groups:
    """The rows of the one GROUP BY: (the GROUPED_BY values, n, red, yellow)."""

    rows: list[dict[str, Any]]

    def fold(self, key: Any, where: Any = None) -> Counts:
        """Open, red and yellow per `key(row)` (over the rows `where(row)` accepts)."""
        out: Counts = {}
        for row in self.rows:
            if where is not None and not where(row):
                continue
            k = key(row)
            n, r, y = out.get(k, (0, 0, 0))
            out[k] = (n + row["n"], r + row["r"], y + row["y"])
        return out

    def by(self, name: str) -> Counts:
        return self.fold(lambda row: row[name])

    def total(self, where: Any = None) -> tuple[int, int, int]:
        return self.fold(lambda row: None, where).get(None, (0, 0, 0))


def _rows(
    counts: dict[Any, tuple[int, int, int]], names: dict[Any, str], query: Any = None
) -> list[Row]:
    out = []
    for key, (n, r, y) in counts.items():
        out.append(
            Row(
                str(key if key is not None else ""),
                names.get(key, "—"),
                n,
                r,
                y,
                query=query(key) if query else {},
            )
        )
    out.sort(key=lambda row: (-row.red, -row.yellow, -row.open, row.name))
    return out


def _codes(model: type[Any], pks: Any) -> dict[Any, str]:
    return dict(model.objects.filter(pk__in=[k for k in pks if k]).values_list("pk", "code"))


def _breadcrumbs(where: Where, root: Region) -> list[tuple[str, dict[str, str]]]:
    crumbs: list[tuple[str, dict[str, str]]] = []
    codes = [c for c in where.region.path.split("/") if c]
    codes = codes[len([c for c in root.path.split("/") if c]) - 1 :]  # from the root down
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for code in codes:
        crumbs.append((names.get(code, code), {"region": code}))
    if where.hall is not None:
        crumbs.append((where.hall.name, {"region": where.region.code, "hall": where.hall.code}))
    if where.department is not None:
        crumbs.append((where.department.name, where.query()))
    return crumbs


def overview(actor: Actor, where: Where, *, on: date | None = None) -> Overview:
    """The monitor's figures for one node of the drill-down: one GROUP BY over the open
    cases (`GROUPED_BY`), folded into every breakdown, plus the names of what is shown."""
    actor = as_actor(actor)
    base = coloured(where.filter(open_cases(actor)))
    colour = colours(on)
    groups = _Groups(list(base.order_by().values(*GROUPED_BY).annotate(**_counts(colour))))
    n, r, y = groups.total()
    provisional = groups.total(lambda row: row["deadlines_provisional"])[0]
    suspended = groups.total(lambda row: row["status"] == CaseStatus.SUSPENDED)[0]
    by_status = _rows(groups.by("status"), {s.value: str(s.label) for s in CaseStatus})
    level, children = _children(groups, where)
    departments = groups.by("department_id")
    dept_names = dict(Department.objects.filter(pk__in=list(departments)).values_list("pk", "name"))
    dept_codes = _codes(Department, departments)
    by_department = _rows(
        departments,
        dept_names,
        lambda pk: {**where.query(), "department": dept_codes.get(pk, "")},
    )[:TOP]
    items = groups.by("item_id")
    top_items = sorted(items, key=lambda k: (-items[k][1], -items[k][2], -items[k][0]))[:TOP]
    item_names = dict(ServiceItem.objects.filter(pk__in=top_items).values_list("pk", "name"))
    by_item = _rows({k: items[k] for k in top_items}, item_names)
    load = groups.by("responsible_id")
    staff_names: dict[Any, str] = {
        pk: shown or username
        for pk, shown, username in User.objects.filter(
            pk__in=[k for k in load if k is not None]
        ).values_list("pk", "display_name", "username")
    }
    staff_names[None] = _("（单位，尚无人经办）")
    staff = _rows(load, staff_names)
    cards = open_cards_by_unit(actor, where)
    for row in by_department:
        row.cards = cards.by_department.get(int(row.key), 0) if row.key else 0
    if level == "department":
        for row in children:
            row.cards = cards.by_department.get(int(row.key), 0) if row.key else 0
    elif level == "hall":
        for row in children:
            row.cards = cards.by_hall.get(int(row.key), 0) if row.key else 0
    elif level == "region":
        for row in children:
            row.cards = cards.by_region_prefix(row.key)
    return Overview(
        where=where,
        on=colour.on,
        level=level,
        open=n,
        red=r,
        yellow=y,
        provisional=provisional,
        suspended=suspended,
        cards=cards,
        by_status=by_status,
        children=children,
        by_department=by_department,
        by_item=by_item,
        staff=staff,
        breadcrumbs=_breadcrumbs(where, reach_root(actor)),
    )


def _children(groups: _Groups, where: Where) -> tuple[str, list[Row]]:
    """The next level of the drill-down: child regions, then halls, then departments."""
    if where.department is not None:
        return "case", []
    if where.hall is not None:
        counts = groups.by("department_id")
        names = dict(Department.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
        codes = _codes(Department, counts)
        return "department", _rows(
            counts, names, lambda pk: {**where.query(), "department": codes.get(pk, "")}
        )
    region = where.region
    kids = list(Region.objects.filter(parent=region).order_by("sort_order", "code"))
    if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY) and kids:
        # each region below the node -> the child it lies in (the region itself: None)
        paths = dict(Region.objects.filter(path__startswith=region.path).values_list("pk", "path"))
        kid_of = {
            pk: next((kid for kid in kids if path.startswith(kid.path)), None)
            for pk, path in paths.items()
        }
        got = groups.fold(lambda row: kid_of.get(row["region_id"]))
        rows = [
            Row(kid.code, kid.name, *got.get(kid, (0, 0, 0)), query={"region": kid.code})
            for kid in kids
        ]
        # Cases of the region itself (a city's own departments) are a row of their own.
        own = got.get(None)
        if own is not None and own[0]:
            rows.append(Row(region.code, _("%(name)s本级") % {"name": region.name}, *own, query={}))
        rows.sort(key=lambda row: (-row.red, -row.yellow, -row.open, row.key))
        return "region", rows
    counts = groups.by("hall_id")
    hall_names: dict[Any, str] = dict(
        ServiceHall.objects.filter(pk__in=[k for k in counts if k]).values_list("pk", "name")
    )
    hall_codes = _codes(ServiceHall, counts)
    hall_names[None] = _("未进驻大厅的部门")
    rows = _rows(
        counts,
        hall_names,
        lambda pk: {**where.query(), "hall": hall_codes[pk]} if pk else where.query(),
    )
    return "hall", rows


# --- the red/yellow case list -----------------------------------------------------------


COLOURS = ("red", "yellow")


def coloured_cases(
    actor: Actor, where: Where, *, colour: str | None = None, on: date | None = None
) -> QuerySet[Case]:
    """The open cases of the node, red or yellow (or both when `colour` is empty),
    the most urgent first."""
    if colour not in (None, "", *COLOURS):
        raise ValidationFailed(
            _("颜色应为 red 或 yellow：%(colour)s") % {"colour": str(colour)[:20]},
            code="bad_colour",
        )
    base = coloured(where.filter(open_cases(actor)))
    marks = colours(on)
    condition = {"red": marks.red, "yellow": marks.yellow}.get(
        colour or "", marks.red | marks.yellow
    )
    return (
        base.filter(condition)
        .select_related("item", "department", "hall", "region", "applicant")
        .order_by("due_on", "id")
    )


def mask_name(name: str) -> str:
    """`张三丰` -> `张**`: supervisors see that a person applied, not who."""
    name = (name or "").strip()
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""
