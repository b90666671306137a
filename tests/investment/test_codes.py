"""The unified project code: format, validation by the shared validator, serials per
(year, region, industry, type), and a registration that fails gives nothing away."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.investment.conftest import project_fields
from yiwang.accounts.actor import Actor
from yiwang.common.errors import Conflict, ValidationFailed
from yiwang.common.validators import check_project_code
from yiwang.investment import codes, services
from yiwang.investment.models import Project, ProjectCodeCounter

pytestmark = pytest.mark.django_db

FORMAT = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")


def test_the_code_has_the_old_format_and_passes_the_validator(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = services.register_project(**project_fields(), actor=enterprise)
    year = timezone.localdate().year
    assert FORMAT.fullmatch(project.code)
    assert project.code == f"{year}-220102-65-03-000001"  # 65 software, 03 备案
    assert check_project_code(project.code) == project.code


def test_serials_run_per_year_region_industry_and_type(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    year = timezone.localdate().year

    def code(**overrides: Any) -> str:
        return services.register_project(**project_fields(**overrides), actor=enterprise).code

    assert code() == f"{year}-220102-65-03-000001"
    assert code() == f"{year}-220102-65-03-000002"
    assert code(region="220104") == f"{year}-220104-65-03-000001"
    assert code(industry="13") == f"{year}-220102-13-03-000001"
    assert code(industry="44") == f"{year}-220102-44-02-000001"  # 核准: type 02
    gov = {"funding": "government", "government_investment": None}
    assert code(**gov) == f"{year}-220102-65-01-000001"  # 审批: type 01
    assert code() == f"{year}-220102-65-03-000003"
    assert Project.objects.count() == len(set(Project.objects.values_list("code", flat=True)))


def test_the_generator_counts_per_key_and_years_apart(rules: dict[str, Any]) -> None:
    assert codes.next_project_code(2026, "220102", "65", "03") == "2026-220102-65-03-000001"
    assert codes.next_project_code(2026, "220102", "65", "03") == "2026-220102-65-03-000002"
    assert codes.next_project_code(2025, "220102", "65", "03") == "2025-220102-65-03-000001"
    row = ProjectCodeCounter.objects.get(
        year=2026, region_code="220102", industry="65", project_type="03"
    )
    assert row.last == 2


def test_an_exhausted_serial_is_refused_never_wrapped(rules: dict[str, Any]) -> None:
    ProjectCodeCounter.objects.create(
        year=2026, region_code="220102", industry="65", project_type="03", last=999_998
    )
    assert codes.next_project_code(2026, "220102", "65", "03").endswith("-999999")
    with pytest.raises(Conflict) as refused:
        codes.next_project_code(2026, "220102", "65", "03")
    assert refused.value.code == "project_serial_exhausted"


def test_a_registration_that_fails_after_numbering_leaves_no_project_and_no_serial(
    rules: dict[str, Any], enterprise: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise ValidationFailed("签发失败", code="boom")

    monkeypatch.setattr(services, "issue_license", broken)
    with pytest.raises(ValidationFailed), transaction.atomic():
        services.register_project(**project_fields(), file=True, actor=enterprise)
    assert not Project.objects.exists()
    assert not ProjectCodeCounter.objects.filter(last__gt=0).exists()
    monkeypatch.undo()
    year = timezone.localdate().year
    project = services.register_project(**project_fields(), file=True, actor=enterprise)
    assert project.code == f"{year}-220102-65-03-000001"


def test_bad_input_takes_no_serial(rules: dict[str, Any], enterprise: Actor) -> None:
    for overrides in (
        {"total_investment": Decimal("0")},
        {"industry": "99"},
        {"region": "222424102"},  # a township: not an authority's location
        {"funding": "foreign"},
    ):
        with pytest.raises(ValidationFailed):
            services.register_project(**project_fields(**overrides), actor=enterprise)
    assert not ProjectCodeCounter.objects.exists()
    assert not Project.objects.exists()
