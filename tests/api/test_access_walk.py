"""Who may call what: every operation of the live OpenAPI document × every demo account
× no token, from one access table (tests/api/access.py). A route missing from the table
fails the walk; so does a table entry for a route that no longer exists.

Denied an action: 403 (401 without a token); denied an object: 404, exactly as if it did
not exist (an unknown id gives the same answer). The per-app walks
(tests/cases/test_authorization.py, tests/credit/test_api.py) keep the finer checks —
what a listing contains, which file comes back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.access import ANONYMOUS, DEMO_ACCOUNTS, OPERATIONS, expected
from tests.cases import items
from tests.cases.conftest import PDF, CaseApi
from tests.credit.conftest import DISCLOSURE, report_data
from tests.problems import assert_problem
from yiwang.accounts.actor import Actor
from yiwang.credit.models import Enterprise
from yiwang.licenses.services import payload_of

PERMIT = "111000000603213830002"  # 超限运输车辆行驶公路许可

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _operations(client: Client) -> list[str]:
    spec = client.get(f"{API}/openapi.json").json()
    return [
        f"{method.upper()} {path.removeprefix(API)}"
        for path, methods in spec["paths"].items()
        for method in methods
    ]


def test_every_route_is_in_the_access_table(client: Client) -> None:
    live = _operations(client)
    assert sorted(set(live) - set(OPERATIONS)) == [], "routes missing from tests/api/access.py"
    assert sorted(set(OPERATIONS) - set(live)) == [], "table entries for no route"


def _world(api: CaseApi, demo_users: dict[str, Any], uscc: str) -> dict[str, Any]:
    """One object of every kind the paths name, owned by the demo accounts: a 南关区
    case of the citizen, the citizen's upload and message, a disclosure and a listing
    of the demo enterprise by the market regulator."""
    from yiwang.notify.services import notify

    case = api.apply("citizen", items.NANGUAN)
    staff = Client()
    staff.force_login(demo_users["publisher-jilin-market"])
    disclosure = staff.post(
        f"{API}/credit/enterprises/{uscc}/disclosures", DISCLOSURE, content_type="application/json"
    )
    assert disclosure.status_code == 201, disclosure.content
    entry = staff.post(
        f"{API}/credit/enterprises/{uscc}/list-entries",
        {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"},
        content_type="application/json",
    )
    assert entry.status_code == 201, entry.content
    message = notify(
        demo_users["citizen"], subject="消息", body="正文", actor=Actor.system("cases")
    )
    permit = _citizens_permit()
    project = _enterprises_project(demo_users["enterprise"])
    return {
        "code": items.NANGUAN,
        "upload_id": api.upload("citizen"),
        "case_no": case["case_no"],
        "query_code": case["query_code"],
        "material_id": api.detail("citizen", case["case_no"])["materials"][0]["id"],
        "uscc": uscc,
        "disclosure_id": disclosure.json()["id"],
        "entry_id": entry.json()["id"],
        "event_id": entry.json()["history"][0]["id"],
        "application_id": 999_999,  # none exists: the decider learns that, nobody else
        "year": date.today().year - 1,
        "message_id": message.pk,
        "identifier": permit.identifier,
        "payload": payload_of(permit),
        "project_code": project.code,
    }


def _enterprises_project(enterprise: Any) -> Any:
    from yiwang.investment.services import load_category_rules, register_project

    load_category_rules(actor=Actor.system("test"))
    return register_project(
        name="软件研发中心建设项目",
        region="220102",
        industry="65",
        content="新建研发楼 1 栋",
        total_investment="3000",
        funding="enterprise",
        planned_start=date(2027, 3, 1),
        planned_end=date(2028, 6, 30),
        file=True,
        actor=Actor.of(enterprise),
    )


def _citizens_permit() -> Any:
    from yiwang.licenses.services import (
        Holder,
        issue_license,
        load_license_types,
        load_proof_types,
    )
    from yiwang.org.models import Department

    load_license_types(actor=Actor.system("test"))
    load_proof_types(actor=Actor.system("test"))
    return issue_license(
        type_code=PERMIT,
        issuer=Department.objects.get(code="220000-transport"),
        holder=Holder("person", "220102198806151015", "张三"),
        metadata={"plate_no": "吉A12345"},
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=10),
        actor=Actor.system("test"),
    )


def _bodies(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "POST /auth/login": {"username": "nobody", "password": "x"},
        "POST /cases": {
            "item_code": items.NANGUAN,
            "form": items.form_for(items.NANGUAN),
            "materials": [],
        },
        "POST /cases/{case_no}/actions": {"action": "accept"},
        "POST /cases/{case_no}/evaluation": {"score": 5},
        "POST /credit/enterprises/{uscc}/disclosures": DISCLOSURE,
        "POST /credit/disclosures/{disclosure_id}/corrections": {
            "reason": "金额有误",
            "amount": "3",
        },
        "POST /credit/disclosures/{disclosure_id}/withdrawal": {"reason": "复议撤销"},
        "POST /credit/enterprises/{uscc}/list-entries": {
            "list": "abnormal",
            "cause": "unreachable",
            "reason": "无法联系",
        },
        "POST /credit/list-entries/{entry_id}/removal": {"cause": "error", "reason": "核实"},
        "POST /credit/list-events/{event_id}/reversal": {"reason": "补报内容虚假"},
        "POST /credit/removal-applications/{application_id}/decision": {
            "approve": True,
            "reason": "已补报",
        },
        "PUT /enterprise/annual-reports/{year}": report_data(reason="更正"),
        "POST /enterprise/annual-reports": report_data(year=world["year"]),
        "POST /enterprise/immediate-info": {
            "kind": "license",
            "changed_on": "2026-01-05",
            "content": "取得许可",
        },
        "POST /enterprise/list-entries/{entry_id}/removal-application": {"statement": "已补报"},
        "POST /licenses": {
            "type_code": PERMIT,
            "issuer": "220000-transport",
            "holder": {
                "kind": "entity",
                "code": "91220101MA17Y8K34M",
                "name": "长春一网示范科技有限公司",
            },
            "metadata": {"plate_no": "吉A7"},
            "valid_from": str(date.today()),
            "valid_until": str(date.today() + timedelta(days=3)),
        },
        "POST /licenses/verify": {"payload": world["payload"]},
        "POST /licenses/{identifier}/reinstate": {"reason": "整改完成"},
        "POST /licenses/{identifier}/revoke": {"reason": "以欺骗手段取得"},
        "POST /licenses/{identifier}/suspend": {"reason": "违规"},
        "POST /licenses/{identifier}/versions": {
            "reason": "更换车辆",
            "metadata": {"plate_no": "吉A8"},
        },
        "POST /proofs": {"kind": "residence"},
        "POST /projects": {
            "name": "新建项目",
            "region": "220102",
            "industry": "65",
            "content": "新建厂房",
            "total_investment": "100",
            "funding": "enterprise",
            "planned_start": "2027-01-01",
            "planned_end": "2027-12-31",
        },
        "POST /projects/{project_code}/filing/change": {
            "reason": "追加投资",
            "total_investment": "3500",
        },
        "POST /projects/{project_code}/filing/cancel": {"reason": "项目终止"},
    }


def _call(client: Client, operation: str, world: dict[str, Any], token: str | None) -> Any:
    method, template = operation.split(" ", 1)
    path = re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)]), template)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    query = {"code": world["query_code"]} if template == "/public/cases/{case_no}" else {}
    if method == "GET":
        return client.get(API + path, query, **headers)  # type: ignore[arg-type]
    if operation == "POST /uploads":
        upload = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
        return client.post(API + path, {"file": upload}, **headers)  # type: ignore[arg-type]
    body = _bodies(world).get(operation, {})
    call = getattr(client, method.lower())
    return call(API + path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("role", [*DEMO_ACCOUNTS, ANONYMOUS])
def test_every_operation_for_every_role(
    role: str,
    api: CaseApi,
    api_login: Any,
    demo_users: dict[str, Any],
    demo_registry: Enterprise,
) -> None:
    world = _world(api, demo_users, demo_registry.uscc)
    token = None if role == ANONYMOUS else api_login(role)
    client = Client()
    # Signing out last: it ends the token the other calls use.
    for operation in sorted(OPERATIONS, key=lambda op: op == "POST /auth/logout"):
        response = _call(client, operation, world, token)
        if response.streaming:  # read to the end: that closes the file (not `close()`,
            b"".join(response.streaming_content)  # which would end the test's connection)
        status, code = expected(OPERATIONS[operation], role)
        assert response.status_code == status, (operation, role, response.content[:300])
        if status >= 400:
            assert_problem(response, status, code)
