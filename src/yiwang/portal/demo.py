"""The demo: seed Jilin's demo data through every app's own services, idempotently."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.accounts.services import ensure_demo_accounts
from yiwang.cases.services import seed_demo_cases, seed_demo_reference_data
from yiwang.catalog.services import load_catalog_data
from yiwang.common.errors import PermissionDenied
from yiwang.common.workdays import seed_from_chinesecalendar
from yiwang.credit.demo import seed_demo_credit
from yiwang.feedback.demo import seed_demo_feedback
from yiwang.investment.demo import seed_demo_investment
from yiwang.licenses.demo import seed_demo_licenses
from yiwang.org.services import load_org_data
from yiwang.supervision.demo import seed_demo_rankings, seed_demo_supervision
from yiwang.supervision.history.demo import seed_demo_history

DEMO_PASSWORD = "yiwang-demo-2026"  # noqa: S105 - published on purpose, refused in production

#: The demo seed, as the audit log names it.
SEED = Actor.system("seed")


def seed_demo(say: Callable[[str], None]) -> int:
    """Run every seed step; returns how many things were created (0 on a second run)."""
    if settings.ENV == "production":
        raise PermissionDenied(_("生产环境不能写入演示数据"), code="demo_refused_in_production")
    created = 0
    days = seed_from_chinesecalendar(actor=SEED)
    say(f"calendar: {days} holiday and make-up days written" if days else "calendar: up to date")
    created += days
    report = load_org_data(actor=SEED)
    say(f"org: {report}")
    created += report.created_total
    users = ensure_demo_accounts(DEMO_PASSWORD, actor=SEED)
    say(f"accounts: {len(users)} demo accounts created" if users else "accounts: up to date")
    created += len(users)
    catalog = load_catalog_data(actor=SEED)
    say(f"catalog: {catalog}")
    created += catalog.created_total
    references = seed_demo_reference_data(actor=SEED)
    cases = len(seed_demo_cases(actor=SEED))
    say(
        f"cases: {references} reference records, {cases} demo cases"
        if references or cases
        else "cases: up to date"
    )
    created += references + cases
    enterprises = seed_demo_credit(actor=SEED)
    say(f"credit: {enterprises} records" if enterprises else "credit: up to date")
    created += enterprises
    licenses = seed_demo_licenses(actor=SEED)
    say(f"licenses: {licenses} types and licenses" if licenses else "licenses: up to date")
    created += licenses
    projects = seed_demo_investment(actor=SEED)
    say(f"investment: {projects} rules and projects" if projects else "investment: up to date")
    created += projects
    supervision = seed_demo_supervision(actor=SEED)
    say(
        f"supervision: {supervision} late cases and cards"
        if supervision
        else "supervision: up to date"
    )
    created += supervision
    history = seed_demo_history(actor=SEED)
    say(f"history: {history} cases of the past year" if history else "history: up to date")
    created += history
    ratings = seed_demo_feedback(actor=SEED)
    say(f"feedback: {ratings} ratings" if ratings else "feedback: up to date")
    created += ratings
    published = seed_demo_rankings(actor=SEED)
    say(f"rankings: {published} months published" if published else "rankings: up to date")
    created += published
    return created
