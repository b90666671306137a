"""Reuse at intake (免提交, issue 11 item 7): a valid license of the applicant's fills a
material the catalog says it satisfies (POST /cases `{material, license_id}`, and
pre-filled on the apply page); the clerk sees the verified license, not an upload; a
revoked, suspended, expired, not yet valid or superseded license, one of someone else's,
of the wrong type, unsigned or altered, is refused — each with its own code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import CaseApi
from tests.problems import assert_problem
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.models import Case, CaseMaterial
from yiwang.common.validators import make_uscc
from yiwang.licenses.models import License
from yiwang.licenses.services import (
    Holder,
    issue_license,
    new_version,
    revoke_license,
    suspend_license,
)
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

#: 食品经营许可（新办）, 南关区市场监管局 in the 南关区 hall: its `business-license`
#: material takes the 营业执照 (catalog data), which the demo enterprise holds.
ITEM = "220102-SCJG-XK-001"
BUSINESS_LICENSE = "11100000032316376T001"
FIRM = "91220101MA17Y8K34M"
FORM = {
    "operator_type": "餐饮服务经营者",
    "premises_address": "南关区人民大街 1 号",
    "main_items": "热食类食品制售",
}
SYSTEM = Actor.system("test")


@pytest.fixture
def firm_license(demo_licenses: dict[str, Any]) -> License:
    return License.objects.get(holder_code=FIRM, license_type__code=BUSINESS_LICENSE)


def _another(**dates: Any) -> License:
    """One more 营业执照 of the demo enterprise (valid_from/valid_until as given)."""
    return issue_license(
        type_code=BUSINESS_LICENSE,
        issuer=Department.objects.get(code="220100-market-regulation"),
        holder=Holder("entity", FIRM, "长春一网示范科技有限公司"),
        metadata={"legal_representative": "李四"},
        actor=SYSTEM,
        **dates,
    )


def _materials(api: CaseApi, license_id: str, *, username: str = "enterprise") -> list[Any]:
    files = [
        {"material": code, "upload_id": api.upload(username, f"{code}.pdf")}
        for code in ("application", "layout", "rules")
    ]
    return [*files, {"material": "business-license", "license_id": license_id}]


def _submit(api: CaseApi, license_id: str, **extra: Any) -> Any:
    body = {"item_code": ITEM, "form": FORM, "delivery": "e_license", **extra}
    return api.submit("enterprise", {**body, "materials": _materials(api, license_id)})


def test_a_valid_license_fills_the_material(api: CaseApi, firm_license: License) -> None:
    response = _submit(api, firm_license.identifier)
    assert response.status_code == 201, response.content
    case_no = response.json()["case_no"]
    row = CaseMaterial.objects.get(case__case_no=case_no, material_code="business-license")
    assert row.upload is None
    assert row.license_identifier == firm_license.identifier
    facts = row.license_facts
    assert facts["type_code"] == BUSINESS_LICENSE
    assert facts["type_name"] == "营业执照"
    assert facts["status"] == "valid"
    assert facts["version"] == "001"
    assert facts["license_no"] == firm_license.serial
    assert facts["issuer_name"] == "长春市市场监督管理局"
    assert facts["digest"] == firm_license.digest
    assert facts["key_id"] == firm_license.key.key_id  # type: ignore[union-attr]
    # The applicant's view of the case names the license, not a file.
    shown = {m["material"]: m for m in api.detail("enterprise", case_no)["materials"]}
    assert shown["business-license"]["license_id"] == firm_license.identifier
    assert shown["business-license"]["upload_id"] == ""
    assert shown["business-license"]["license"]["status"] == "valid"
    assert shown["application"]["license_id"] is None
    # No file to download.
    material = shown["business-license"]["id"]
    got = api.get("enterprise", f"/cases/{case_no}/materials/{material}")
    assert_problem(got, 404, "material_is_license")
    case = Case.objects.get(case_no=case_no)
    submit = case.events.get(kind="submit")  # type: ignore[attr-defined]
    assert submit.data["licenses"] == {"business-license": firm_license.identifier}


def test_the_clerk_sees_the_verified_license(
    api: CaseApi, firm_license: License, client: Client
) -> None:
    case_no = _submit(api, firm_license.identifier).json()["case_no"]
    staff = api.detail("clerk-nanguan", case_no)
    license_row = next(m for m in staff["materials"] if m["material"] == "business-license")
    assert license_row["license"]["type_name"] == "营业执照"
    assert license_row["license"]["status"] == "valid"
    # A change after submission does not rewrite what was verified then.
    revoke_license(firm_license.identifier, reason="以欺骗手段取得", actor=SYSTEM)
    client.force_login(User.objects.get(username="clerk-nanguan"))
    page = client.get(f"/workbench/cases/{case_no}/").content.decode()
    assert "电子证照（免提交）" in page
    assert firm_license.identifier in page
    assert "营业执照" in page
    assert "有效（签名核验通过）" in page


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda lic: revoke_license(lic.identifier, reason="吊销", actor=SYSTEM), "revoked"),
        (lambda lic: suspend_license(lic.identifier, reason="暂停", actor=SYSTEM), "suspended"),
        (lambda lic: new_version(lic.identifier, reason="变更", actor=SYSTEM), "superseded"),
    ],
    ids=["revoked", "suspended", "superseded"],
)
def test_a_license_not_in_force_is_refused(
    api: CaseApi, demo_licenses: dict[str, Any], make: Any, code: str
) -> None:
    lic = _another()
    make(lic)
    body = assert_problem(_submit(api, lic.identifier), 422, f"material_license_{code}")
    assert body["materials"][0]["material"] == "business-license"
    assert body["materials"][0]["license_id"] == lic.identifier
    assert body["materials"][0]["code"] == f"material_license_{code}"
    if code == "superseded":
        newer = License.objects.get(pk=License.objects.get(pk=lic.pk).superseded_by_id)
        assert body["materials"][0]["newer"] == newer.identifier
    assert not Case.objects.filter(applicant__username="enterprise", item__code=ITEM).exists()


def test_an_expired_license_is_refused(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    today = timezone.localdate()
    lic = _another(valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1))
    assert_problem(_submit(api, lic.identifier), 422, "material_license_expired")


def test_a_license_not_yet_valid_is_refused(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    today = timezone.localdate()
    lic = _another(valid_from=today + timedelta(days=1), issued_on=today)
    assert_problem(_submit(api, lic.identifier), 422, "material_license_not_yet_valid")


def test_someone_elses_license_is_refused_as_if_missing(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    other = issue_license(
        type_code=BUSINESS_LICENSE,
        issuer=Department.objects.get(code="220100-market-regulation"),
        holder=Holder("entity", make_uscc("9", "1", "220102", "MA17Y8K5"), "另一家公司"),
        metadata={},
        actor=SYSTEM,
    )
    mine = _submit(api, other.identifier)
    unknown = _submit(api, other.identifier[:-3] + "999.X")
    body = assert_problem(mine, 422, "material_license_not_found")
    assert assert_problem(unknown, 422, "material_license_not_found")["detail"] == body["detail"]


def test_a_license_of_another_type_is_refused(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    permit = License.objects.get(holder_code=FIRM, license_type__code="111000000603213830002")
    assert_problem(_submit(api, permit.identifier), 422, "material_license_wrong_type")


def test_an_unsigned_or_altered_license_is_refused(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    unsigned = _another()
    License.objects.filter(pk=unsigned.pk).update(signed_at=None)
    assert_problem(_submit(api, unsigned.identifier), 422, "material_license_unsigned")
    altered = _another()
    License.objects.filter(pk=altered.pk).update(holder_name="长春一网示范科技有限公司（改）")
    assert_problem(_submit(api, altered.identifier), 422, "material_license_unverifiable")


def test_a_material_without_a_license_type_takes_no_license(
    api: CaseApi, firm_license: License
) -> None:
    materials = _materials(api, firm_license.identifier)
    materials[0] = {"material": "application", "license_id": firm_license.identifier}
    response = api.submit(
        "enterprise",
        {"item_code": ITEM, "form": FORM, "delivery": "e_license", "materials": materials},
    )
    assert_problem(response, 422, "material_takes_no_license")
    both = _materials(api, firm_license.identifier)
    both[-1]["upload_id"] = both[0]["upload_id"]
    response = api.submit(
        "enterprise",
        {"item_code": ITEM, "form": FORM, "delivery": "e_license", "materials": both},
    )
    assert_problem(response, 422, "material_file_and_license")


def test_the_apply_page_prefills_the_license(client: Client, firm_license: License) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.cases.conftest import PDF

    client.force_login(User.objects.get(username="enterprise"))
    page = client.get(f"/items/{ITEM}/apply/").content.decode()
    assert '<div class="prefilled" data-material="m_business-license">' in page
    assert f'value="{firm_license.identifier}"' in page
    assert 'name="l_business-license"' in page
    # Submitted without a file for it: the case holds the license.
    data: dict[str, Any] = {
        "idempotency_key": "apply-prefill-1",
        "f_operator_type": FORM["operator_type"],
        "f_premises_address": FORM["premises_address"],
        "f_main_items": FORM["main_items"],
        "delivery": "e_license",
        "l_business-license": firm_license.identifier,
    }
    for code in ("application", "layout", "rules"):
        data[f"m_{code}"] = SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/items/{ITEM}/apply/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CaseMaterial.objects.get(
        case__applicant__username="enterprise", material_code="business-license"
    )
    assert row.license_identifier == firm_license.identifier
    assert row.upload is None


def test_the_apply_page_prefills_nothing_revoked(client: Client, firm_license: License) -> None:
    revoke_license(firm_license.identifier, reason="吊销", actor=SYSTEM)
    client.force_login(User.objects.get(username="enterprise"))
    page = client.get(f"/items/{ITEM}/apply/").content.decode()
    assert 'class="prefilled"' not in page
    assert 'name="l_business-license"' not in page


def test_a_supplement_can_be_answered_with_a_license(api: CaseApi, firm_license: License) -> None:
    """The clerk asks again for the 营业执照 (a scan was sent); the answer is the license."""
    files = [
        {"material": code, "upload_id": api.upload("enterprise", f"{code}.pdf")}
        for code in ("application", "business-license", "layout", "rules")
    ]
    body = {"item_code": ITEM, "form": FORM, "delivery": "e_license", "materials": files}
    case_no = api.submit("enterprise", body).json()["case_no"]
    api.ok(
        "clerk-nanguan", case_no, "request_supplement", missing=[{"material": "business-license"}]
    )
    revoked = _another()
    revoke_license(revoked.identifier, reason="吊销", actor=SYSTEM)
    refused = api.act(
        "enterprise",
        case_no,
        "resubmit",
        materials=[{"material": "business-license", "license_id": revoked.identifier}],
    )
    assert_problem(refused, 422, "material_license_revoked")
    api.ok(
        "enterprise",
        case_no,
        "resubmit",
        materials=[{"material": "business-license", "license_id": firm_license.identifier}],
    )
    rows = CaseMaterial.objects.filter(case__case_no=case_no, material_code="business-license")
    current = rows.get(superseded=False)
    assert current.license_identifier == firm_license.identifier
    assert current.upload is None
    assert rows.get(superseded=True).upload is not None  # the scan is kept, replaced


def test_a_clerk_on_behalf_uses_the_applicants_license(api: CaseApi, firm_license: License) -> None:
    """代办: the license must be the applicant's (the enterprise's), the files the clerk's."""
    files = [
        {"material": code, "upload_id": api.upload("clerk-nanguan", f"{code}.pdf")}
        for code in ("application", "layout", "rules")
    ]
    body = {
        "item_code": ITEM,
        "form": FORM,
        "delivery": "e_license",
        "on_behalf_of": FIRM,
        "materials": [
            *files,
            {"material": "business-license", "license_id": firm_license.identifier},
        ],
    }
    response = api.submit("clerk-nanguan", body)
    assert response.status_code == 201, response.content
    case = Case.objects.get(case_no=response.json()["case_no"])
    assert case.applicant.username == "enterprise"
    assert case.materials.get(material_code="business-license").license_identifier == (  # type: ignore[attr-defined]
        firm_license.identifier
    )


def test_without_a_license_library_a_license_is_refused_never_waved_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from yiwang.catalog import license_materials
    from yiwang.catalog.license_materials import LicenseClaim, check_license_materials
    from yiwang.common.errors import ValidationFailed

    monkeypatch.setattr(license_materials, "_checkers", {})
    day = timezone.localdate()
    assert check_license_materials(1, [], day) == {}
    claim = LicenseClaim("business-license", "营业执照", "1.2.156.x", BUSINESS_LICENSE)
    with pytest.raises(ValidationFailed) as refused:
        check_license_materials(1, [claim], day)
    assert refused.value.code == "license_library_unavailable"


def test_what_the_apply_page_prefills_by_date(demo_licenses: dict[str, Any]) -> None:
    """The last day of validity still counts (the day is included); the day after not."""
    from yiwang.licenses.reuse import reusable_licenses

    firm = User.objects.get(username="enterprise")
    License.objects.filter(holder_code=FIRM, license_type__code=BUSINESS_LICENSE).update(
        status="revoked"
    )
    today = timezone.localdate()
    last_day = _another(valid_from=today - timedelta(days=10), valid_until=today)
    found = reusable_licenses(firm.pk, [BUSINESS_LICENSE])
    assert found[BUSINESS_LICENSE].identifier == last_day.identifier
    assert reusable_licenses(firm.pk, [BUSINESS_LICENSE], on=today + timedelta(days=1)) == {}
    assert reusable_licenses(None, [BUSINESS_LICENSE]) == {}  # nobody to hold it
    assert reusable_licenses(firm.pk, ["", "x"]) == {}
