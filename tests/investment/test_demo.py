"""The investment demo data: the demo enterprise's filed project, seeded once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.investment.conftest import SYSTEM
from yiwang.investment.demo import seed_demo_investment
from yiwang.investment.models import Project
from yiwang.licenses.models import License
from yiwang.licenses.services import payload_of, verify_payload

pytestmark = pytest.mark.django_db


def test_the_demo_enterprise_has_one_filed_project_seeded_once(rules: dict[str, Any]) -> None:
    assert seed_demo_investment(actor=SYSTEM) == 1  # the rules were loaded already
    assert seed_demo_investment(actor=SYSTEM) == 0
    project = Project.objects.get()
    assert project.owner_user == rules["enterprise"]
    assert (project.category, project.status) == ("filing", "filed")
    lic = License.objects.get(identifier=project.certificate)
    assert verify_payload(payload_of(lic)).result == "valid"
