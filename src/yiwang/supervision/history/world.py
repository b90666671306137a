"""The province the history is generated in: its items, the staff who act on them (and
through which post, as the engine would name it), the applicants — read once, as plain
frozen values, so that planning a case costs no query.

Staff and applicants that the history needs and the seeded province lacks are created
in bulk (`ensure_people`): per unit that takes in or handles cases a few history clerks
and reviewers on posts of the seeded roles, and a pool of citizens and enterprises with
valid ID numbers and USCCs. They are ordinary accounts with unusable passwords, not
demo sign-in accounts (the demo lists those at its start).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yiwang.accounts.actor import Actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import Citizen, Enterprise, StaffPost, User
from yiwang.cases.choices import CaseAction, CaseStatus, Channel
from yiwang.cases.intake import intake_stations, takes_in_at_stations
from yiwang.cases.models import Case
from yiwang.cases.services.engine import _acting_unit, current_step
from yiwang.cases.transitions import transition_for
from yiwang.catalog.choices import CaseType, ServiceObject
from yiwang.catalog.models import ServiceItem
from yiwang.common.permissions import Permission
from yiwang.common.validators import make_id_number, make_uscc
from yiwang.feedback.services.rating import unit_staff
from yiwang.org.choices import RoleScope
from yiwang.org.models import Department, Post, Region, Role, ServiceHall

#: History staff per unit (clerks per intake unit, reviewers per department).
STAFF_PER_UNIT = 3
#: The applicant pool (citizens, enterprises).
CITIZENS = 3000
ENTERPRISES = 800
PREFIX = "hist-"


@dataclass(frozen=True)
class Acting:
    """One staff member acting through a post: what the engine records."""

    user_id: int
    unit: str
    hall_id: int | None
    department_id: int | None


@dataclass(frozen=True)
class Method:
    id: str  # the delivery method's code is its key
    code: str
    needs_tracking: bool


@dataclass(frozen=True)
class ItemWorld:
    id: int
    code: str
    name: str
    region_id: str
    region_path: str
    department_id: int
    department_name: str
    hall_id: int | None
    instant: bool
    promised_days: int
    legal_days: int
    visits: int
    service_object: str
    result_name: str
    methods: tuple[Method, ...]
    materials: tuple[str, ...]  # required material codes
    form: tuple[tuple[str, Any], ...]  # a valid form, in field order
    steps: tuple[tuple[str, str], ...]  # status -> current step name
    #: intake station region (None: the item's own hall) -> clerks acting there
    intake: tuple[tuple[str | None, tuple[Acting, ...]], ...]
    #: action -> (reviewers of the department, acting for that action)
    handling: tuple[Acting, ...]
    station_paths: tuple[tuple[str, str], ...]  # station region -> path
    makes_license: bool
    #: who answers a bad rating's rectification (feedback.transitions.UNIT) and who
    #: closes it (SUPERVISOR: the nearest supervisor above the item's region)
    rectifiers: tuple[int, ...] = ()
    decider: int | None = None

    def step_of(self, status: str) -> str:
        return dict(self.steps).get(status, "")

    def clerks(self, station: str | None) -> tuple[Acting, ...]:
        return dict(self.intake)[station]


@dataclass(frozen=True)
class World:
    items: tuple[ItemWorld, ...]
    citizens: tuple[int, ...]
    enterprises: tuple[int, ...]


def _form_for(item: ServiceItem, on: date) -> tuple[tuple[str, Any], ...]:
    """A valid form for the item's field specs (cases.intake.check_form)."""
    out: list[tuple[str, Any]] = []
    for spec in item.form_fields or []:
        name, kind = spec.get("name"), spec.get("type", "text")
        if not name:
            continue
        if kind == "boolean":
            value: Any = True
        elif kind == "number":
            value = 1
        elif kind == "date":
            value = on.isoformat()
        elif kind == "select":
            value = (spec.get("options") or [""])[0]
        else:
            value = f"{spec.get('label') or name}（历史数据）"
        out.append((str(name), value))
    return tuple(out)


def _role(code: str) -> Role:
    return Role.objects.get(code=code)


def _ensure_post(
    code: str,
    name: str,
    role: Role,
    *,
    hall: ServiceHall | None = None,
    department: Department | None = None,
) -> Post:
    post, _ = Post.objects.get_or_create(
        code=code, defaults={"name": name, "role": role, "hall": hall, "department": department}
    )
    return post


def _intake_units(item: ServiceItem) -> list[tuple[str | None, ServiceHall | Department]]:
    if takes_in_at_stations(item):
        units: list[tuple[str | None, ServiceHall | Department]] = []
        for township in intake_stations(item):
            hall = ServiceHall.objects.filter(region=township).order_by("id").first()
            if hall is not None:
                units.append((township.code, hall))
        return units
    department = item.department
    unit: ServiceHall | Department = department.hall if department.hall is not None else department
    return [(None, unit)]


def ensure_people(on: date) -> int:
    """Create the history staff and applicant pool the history needs (idempotent, bulk);
    returns how many accounts were created."""
    created = 0
    with transaction.atomic():
        clerk, station, reviewer = _role("window_clerk"), _role("station_clerk"), _role("reviewer")
        wanted: list[tuple[Post, str, str]] = []  # post, username, display name
        items = ServiceItem.objects.filter(is_active=True).select_related(
            "department", "department__hall"
        )
        seen: set[str] = set()
        for item in items:
            for station_code, unit in _intake_units(item):
                role = station if station_code else clerk
                kind = "hall" if isinstance(unit, ServiceHall) else "dept"
                key = f"{PREFIX}{role.code}-{kind}{unit.pk}"
                if key in seen:
                    continue
                seen.add(key)
                post = _ensure_post(
                    key,
                    f"{role.name}（历史）",
                    role,
                    hall=unit if isinstance(unit, ServiceHall) else None,
                    department=unit if isinstance(unit, Department) else None,
                )
                wanted += [
                    (post, f"{key}-{n}", f"{unit.name}{role.name}{n}")
                    for n in range(1, STAFF_PER_UNIT + 1)
                ]
            key = f"{PREFIX}reviewer-dept{item.department_id}"
            if key not in seen:
                seen.add(key)
                post = _ensure_post(key, "审查审批（历史）", reviewer, department=item.department)
                wanted += [
                    (post, f"{key}-{n}", f"{item.department.name}审批人员{n}")
                    for n in range(1, STAFF_PER_UNIT + 1)
                ]
        existing = set(
            User.objects.filter(username__startswith=PREFIX).values_list("username", flat=True)
        )
        unusable = make_password(None)
        new = [
            User(username=u, kind=UserKind.STAFF, display_name=d, password=unusable)
            for _, u, d in wanted
            if u not in existing
        ]
        User.objects.bulk_create(new)
        ids = dict(
            User.objects.filter(username__in=[u for _, u, _ in wanted]).values_list(
                "username", "id"
            )
        )
        holding = set(
            StaffPost.objects.filter(user_id__in=ids.values()).values_list("user_id", "post_id")
        )
        StaffPost.objects.bulk_create(
            [
                StaffPost(user_id=ids[u], post=p)
                for p, u, _ in wanted
                if (ids[u], p.pk) not in holding
            ]
        )
        created += len(new)
        created += _ensure_applicants(on)
    return created


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _ensure_applicants(on: date) -> int:
    existing = set(
        User.objects.filter(username__startswith=f"{PREFIX}c").values_list("username", flat=True)
    ) | set(
        User.objects.filter(username__startswith=f"{PREFIX}e").values_list("username", flat=True)
    )
    rng = random.Random(20261203)  # noqa: S311 - the same pool on every run, not a secret
    counties = list(Region.objects.filter(level="county").values_list("code", flat=True)) or [
        "220102"
    ]
    unusable = make_password(None)
    users: list[User] = []
    citizens: list[tuple[str, str, str, str]] = []  # username, name, id, region
    enterprises: list[tuple[str, str, str, str]] = []
    for n in range(CITIZENS):
        region = rng.choice(counties)
        birth = date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28))
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
        username = f"{PREFIX}c{n:06d}"
        if username not in existing:
            users.append(
                User(
                    username=username,
                    kind=UserKind.CITIZEN,
                    display_name=name,
                    password=unusable,
                )
            )
            citizens.append(
                (username, name, make_id_number(region[:6], birth, 100 + n % 800), region)
            )
    for n in range(ENTERPRISES):
        region = rng.choice(counties)
        username = f"{PREFIX}e{n:06d}"
        name = f"吉林省历史示例{n:04d}有限公司"
        if username not in existing:
            users.append(
                User(
                    username=username,
                    kind=UserKind.ENTERPRISE,
                    display_name=name,
                    password=unusable,
                )
            )
            enterprises.append(
                (username, name, make_uscc("9", "1", region[:6], f"H{n:07d}"), region)
            )
    User.objects.bulk_create(users)
    ids = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    Citizen.objects.bulk_create(
        [
            Citizen(user_id=ids[u], real_name=name, id_number=number, region_id=r)
            for u, name, number, r in citizens
        ],
        ignore_conflicts=True,
    )
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                user_id=ids[u], uscc=code, name=name, legal_representative="张历史", region_id=r
            )
            for u, name, code, r in enterprises
        ],
        ignore_conflicts=True,
    )
    return len(users)


def _acting(user: User, probe: Case, action: CaseAction, status: CaseStatus) -> Acting | None:
    row = transition_for(status, action)
    assert row is not None
    actor = Actor.of(user)
    unit, post = _acting_unit(actor, probe, row.who)
    if post is None:
        return None
    return Acting(user.pk, unit, post.hall_id, post.department_id)


def load_world(on: date) -> World:
    """The province as plain values (after `ensure_people`)."""
    from yiwang.licenses.models import LicenseType

    licensed = set(LicenseType.objects.values_list("items__id", flat=True))
    staff = list(
        User.objects.filter(kind=UserKind.STAFF, staff_posts__isnull=False)
        .distinct()
        .order_by("username")
    )
    actors = {u.pk: u for u in staff}
    deciders = _deciders()
    answering: dict[int, tuple[int, ...]] = {}

    def rectifiers_of(department_id: int) -> tuple[int, ...]:
        if department_id not in answering:
            answering[department_id] = tuple(u.pk for u in unit_staff(department_id))
        return answering[department_id]

    items: list[ItemWorld] = []
    qs = (
        ServiceItem.objects.filter(is_active=True)
        .select_related("department", "department__hall", "region")
        .prefetch_related("delivery_methods", "materials", "steps__role")
        .order_by("code")
    )
    for item in qs:
        if item.auto_rules:
            continue  # decided automatically at submission: not generated (docs)
        intake: list[tuple[str | None, tuple[Acting, ...]]] = []
        stations = {r.code: r for r in intake_stations(item)} if takes_in_at_stations(item) else {}
        for station_code, _unit in _intake_units(item):
            probe = Case(
                item=item,
                department=item.department,
                hall=item.department.hall,
                region=item.region,
                intake_region=stations.get(station_code) if station_code else None,
                status=CaseStatus.SUBMITTED,
            )
            clerks = tuple(
                a
                for u in actors.values()
                if (a := _acting(u, probe, CaseAction.ACCEPT, CaseStatus.SUBMITTED)) is not None
            )
            if clerks:
                intake.append((station_code, clerks))
        probe = Case(
            item=item, department=item.department, hall=item.department.hall, region=item.region
        )
        handling = tuple(
            a
            for u in actors.values()
            if (a := _acting(u, probe, CaseAction.APPROVE, CaseStatus.ACCEPTED)) is not None
        )
        if not intake or not handling:
            continue
        steps = []
        for status in CaseStatus:
            probe = Case(item=item, status=status)
            steps.append((str(status), current_step(probe)))
        items.append(
            ItemWorld(
                id=item.pk,
                code=item.code,
                name=item.name,
                region_id=item.region_id,
                region_path=item.region.path,
                department_id=item.department_id,
                department_name=item.department.name,
                hall_id=item.department.hall_id,
                instant=item.case_type == CaseType.INSTANT,
                promised_days=item.promised_limit_days,
                legal_days=item.legal_limit_days,
                visits=item.visits,
                service_object=item.service_object,
                result_name=item.result_name,
                methods=tuple(
                    Method(m.pk, m.code, m.needs_tracking)
                    for m in sorted(item.delivery_methods.all(), key=lambda m: m.code)
                ),
                materials=tuple(
                    m.code
                    for m in sorted(item.materials.all(), key=lambda m: (m.sort_order, m.code))
                    if m.required
                ),
                form=_form_for(item, on),
                steps=tuple(steps),
                intake=tuple(intake),
                handling=handling,
                station_paths=tuple((c, r.path) for c, r in stations.items()),
                makes_license=item.pk in licensed,
                rectifiers=rectifiers_of(item.department_id),
                decider=_nearest(deciders, item.region.path),
            )
        )
    citizens = tuple(
        User.objects.filter(kind=UserKind.CITIZEN, citizen__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    enterprises = tuple(
        User.objects.filter(kind=UserKind.ENTERPRISE, enterprise__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return World(tuple(items), citizens, enterprises)


def _deciders() -> dict[str, int]:
    """Region path -> the first holder of a region_below post granting
    region:feedback:decide there (who closes a rectification)."""
    deciders: dict[str, int] = {}
    posts = StaffPost.objects.filter(user__is_active=True).select_related(
        "post__role", "post__department__region", "post__hall__region"
    )
    for sp in posts.order_by("user_id", "id"):
        role = sp.post.role
        if role.scope == RoleScope.REGION_BELOW and Permission.FEEDBACK_DECIDE.value in (
            role.permissions or []
        ):
            deciders.setdefault(sp.post.region.path, sp.user_id)
    return deciders


def _nearest(deciders: dict[str, int], path: str) -> int | None:
    above = [p for p in deciders if path.startswith(p)]
    return deciders[max(above, key=len)] if above else None


def applicants_for(world: World, item: ItemWorld) -> tuple[int, ...]:
    if item.service_object == ServiceObject.CITIZEN:
        return world.citizens
    if item.service_object == ServiceObject.ENTERPRISE:
        return world.enterprises
    return world.citizens + world.enterprises


__all__ = [
    "Acting",
    "Channel",
    "ItemWorld",
    "Method",
    "World",
    "applicants_for",
    "ensure_people",
    "load_world",
]
