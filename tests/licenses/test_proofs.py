"""Online proofs (网上开证明, issue 11 item 6): confirmed by the registry -> a signed
e-certificate that verifies offline and is in the holder's list; not confirmed -> 422
proof_not_confirmed with the reason and where to turn, nothing issued; idempotency."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.cases.conftest import CaseApi, other_citizen  # noqa: F401
from tests.problems import assert_problem
from yiwang.accounts.models import User
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.licenses.models import License
from yiwang.licenses.proofs.kinds import proof_kinds
from yiwang.licenses.proofs.sources import (
    DEFAULT_RECORDS_FILE,
    LocalHouseholdRegistry,
    SourceAnswer,
    SourceUnavailable,
    source_for,
)
from yiwang.licenses.selectors import HolderRef
from yiwang.licenses.services import payload_of, request_proof, verify_payload
from yiwang.licenses.services.keys import known_keys
from yiwang.licenses.verification import verify_offline

pytestmark = pytest.mark.django_db

RESIDENCE_TYPE = "11100000081407311B010"
PROPERTY_TYPE = "11100000528331684X002"
ZHANGSAN = "220102198806151015"


def _post(api: CaseApi, username: str | None, body: dict[str, Any], key: str | None = None) -> Any:
    extra = api.headers(username)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post(
        "/api/v1/proofs",
        body,
        content_type="application/json",
        **extra,  # type: ignore[arg-type]
    )


def test_the_kinds_are_data_with_their_types(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    response = api.get(None, "/proofs")
    assert response.status_code == 200
    kinds = {k["code"]: k for k in response.json()["kinds"]}
    assert set(kinds) == {"residence", "property"}
    assert kinds["residence"]["name"] == "居住证明"
    assert kinds["residence"]["license_type"] == RESIDENCE_TYPE
    assert kinds["residence"]["holder_kinds"] == ["person"]
    assert kinds["residence"]["fallback_item"] == "220100-GA-GG-001"
    assert kinds["property"]["name"] == "不动产权属证明"
    assert kinds["property"]["holder_kinds"] == ["person", "entity"]
    assert [k.code for k in proof_kinds()] == ["residence", "property"]


def test_a_confirmed_residence_proof_is_a_signed_license_that_verifies(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    response = _post(api, "citizen", {"kind": "residence", "purpose": "子女入学"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type_code"] == RESIDENCE_TYPE
    assert body["type_name"] == "居住证明"
    assert body["holder_code"] == ZHANGSAN
    assert body["holder_name"] == "张三"
    assert body["issuer"]["code"] == "220100-public-security"
    assert body["status"] == "valid"
    assert body["signed"] is True
    today = timezone.localdate()
    assert body["issued_on"] == today.isoformat()
    # {"months": 3}: three months from today, the last day included.
    lic = License.objects.get(identifier=body["identifier"])
    assert lic.valid_until is not None
    assert lic.valid_until < today + timedelta(days=93)
    assert lic.valid_until >= today + timedelta(days=88)
    facts = {m["name"]: m["value"] for m in body["metadata"]}
    assert facts["address"].startswith("吉林省长春市南关区南岭街道")
    assert facts["registration"] == "户籍登记"
    assert facts["registered_on"] == "2012-09-01"
    assert facts["purpose"] == "子女入学"
    # Offline (the officer's page: keys only) and online, from the QR payload.
    payload = payload_of(lic)
    assert verify_offline(payload, known_keys(), today).result == "valid"
    assert verify_payload(payload).result == "valid"
    # In the holder's list, at once; the holder is told.
    listed = api.get("citizen", "/licenses").json()["items"]
    assert body["identifier"] in {i["identifier"] for i in listed}
    citizen = User.objects.get(username="citizen")
    assert citizen.messages.filter(object_type="license", object_id=str(lic.pk)).exists()  # type: ignore[attr-defined]
    # The request is the citizen's act, the issuance the platform's ("proofs").
    event = AuditEvent.objects.get(action="licenses.proof_issued", object_id=lic.identifier)
    assert event.actor_id == citizen.pk
    assert event.after["reference"] == "HJ2201020001234"
    issued = AuditEvent.objects.get(action="licenses.issued", object_id=lic.identifier)
    assert issued.actor == "proofs"


def test_a_property_proof_for_a_person_and_for_an_enterprise(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    mine = _post(api, "citizen", {"kind": "property"})
    assert mine.status_code == 201, mine.content
    facts = {m["name"]: m["value"] for m in mine.json()["metadata"]}
    assert facts["property_count"] == "1"
    assert "吉（2018）长春市不动产权第 0123456 号" in facts["properties"]
    assert facts["restrictions"] == "无"
    assert facts["queried_on"] == timezone.localdate().isoformat()
    firm = _post(api, "enterprise", {"kind": "property"})
    assert firm.status_code == 201, firm.content
    assert firm.json()["holder_code"] == "91220101MA17Y8K34M"
    facts = {m["name"]: m["value"] for m in firm.json()["metadata"]}
    assert facts["restrictions"].startswith("抵押：中国工商银行")
    assert (
        mine.json()["valid_until"] == (timezone.localdate() + timedelta(days=29)).isoformat()
    )  # {"days": 30}, the last day included


def test_not_confirmed_is_a_clear_code_with_the_item_to_apply_for(
    api: CaseApi,
    demo_licenses: dict[str, Any],
    other_citizen: Any,  # noqa: F811
) -> None:
    """李四's household record is in Beijing: 长春市公安局 cannot certify it."""
    before = License.objects.count()
    response = _post(api, "lisi", {"kind": "residence"})
    body = assert_problem(response, 422, "proof_not_confirmed")
    assert body["kind"] == "residence"
    assert body["reason"] == "outside_issuer_region"
    assert body["fallback"]["item_code"] == "220100-GA-GG-001"
    assert body["fallback"]["item_name"] == "居住证明"
    assert "居住证明" in body["detail"]
    assert License.objects.count() == before
    # No property on the register at all.
    none = assert_problem(_post(api, "lisi", {"kind": "property"}), 422, "proof_not_confirmed")
    assert none["reason"] == "no_record"
    assert none["fallback"]["item_code"] is None
    assert "不动产登记中心" in none["fallback"]["where"]
    assert License.objects.count() == before


def test_the_record_decides_each_reason(tmp_path: Path, demo_licenses: dict[str, Any]) -> None:
    records = json.loads(DEFAULT_RECORDS_FILE.read_text(encoding="utf-8"))
    records["household"][ZHANGSAN]["status"] = "moved_out"
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    zhang = HolderRef("person", ZHANGSAN, "张三")
    day = timezone.localdate()
    assert LocalHouseholdRegistry(path).lookup(zhang, day) == SourceAnswer(
        False, reason="record_not_current", reference="HJ2201020001234"
    )
    other = LocalHouseholdRegistry(path).lookup(HolderRef("person", ZHANGSAN, "张叁"), day)
    assert (other.confirmed, other.reason) == (False, "name_mismatch")
    nobody = LocalHouseholdRegistry(path).lookup(HolderRef("person", "1" * 18, "x"), day)
    assert (nobody.confirmed, nobody.reason) == (False, "no_record")
    citizen = User.objects.get(username="citizen")
    with (
        override_settings(YIWANG_PROOF_RECORDS_FILE=str(path)),
        pytest.raises(ValidationFailed) as refused,
    ):
        request_proof("residence", actor=citizen)
    assert refused.value.code == "proof_not_confirmed"
    assert refused.value.extra["reason"] == "record_not_current"


class _Down:
    def lookup(self, holder: HolderRef, on: Any) -> SourceAnswer:
        raise SourceUnavailable("timeout")


def test_a_registry_that_does_not_answer_falls_back_too(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    with override_settings(YIWANG_PROOF_SOURCES={"household": f"{__name__}._Down"}):
        assert isinstance(source_for("household"), _Down)
        body = assert_problem(
            _post(api, "citizen", {"kind": "residence"}), 422, "proof_not_confirmed"
        )
    assert body["reason"] == "source_unavailable"
    assert body["fallback"]["item_code"] == "220100-GA-GG-001"


def test_the_demo_registry_does_not_answer_in_production(demo_licenses: dict[str, Any]) -> None:
    with override_settings(ENV="production"), pytest.raises(SourceUnavailable):
        LocalHouseholdRegistry().lookup(HolderRef("person", ZHANGSAN, "张三"), timezone.localdate())


def test_who_may_ask_and_for_what(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    assert_problem(_post(api, None, {"kind": "residence"}), 401, "not_authenticated")
    assert_problem(_post(api, "clerk-nanguan", {"kind": "residence"}), 403, "proofs_for_applicants")
    assert_problem(_post(api, "enterprise", {"kind": "residence"}), 422, "proof_not_for_holder")
    unknown = assert_problem(_post(api, "citizen", {"kind": "marriage"}), 422, "unknown_proof_kind")
    assert unknown["allowed"] == ["residence", "property"]
    assert_problem(
        _post(api, "citizen", {"kind": "residence", "purpose": "x\x07"}), 422, "bad_proof_purpose"
    )
    assert_problem(_post(api, "citizen", {}), 422, None)


def test_the_same_key_gives_the_same_proof(api: CaseApi, demo_licenses: dict[str, Any]) -> None:
    first = _post(api, "citizen", {"kind": "residence"}, key="proof-1")
    again = _post(api, "citizen", {"kind": "residence"}, key="proof-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["identifier"] == again.json()["identifier"]
    assert License.objects.filter(license_type__code=RESIDENCE_TYPE).count() == 1
    assert_problem(
        _post(api, "citizen", {"kind": "property"}, key="proof-1"), 409, "idempotency_key_reused"
    )
    other = _post(api, "citizen", {"kind": "residence"}, key="proof-2")
    assert other.json()["identifier"] != first.json()["identifier"]
    assert License.objects.filter(license_type__code=RESIDENCE_TYPE).count() == 2
    # A refusal claims nothing: the key is free for the retry that succeeds.
    assert_problem(_post(api, "citizen", {"kind": "marriage"}, key="proof-3"), 422, None)
    assert _post(api, "citizen", {"kind": "residence"}, key="proof-3").status_code == 201


# --------------------------------------------------------------------------- the portal


def test_the_proofs_page_issues_at_once_and_shows_the_qr(
    client: Any, demo_licenses: dict[str, Any]
) -> None:
    client.force_login(User.objects.get(username="citizen"))
    page = client.get("/centre/proofs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'action="/centre/proofs/residence/"' in text
    assert 'action="/centre/proofs/property/"' in text
    form = {"idempotency_key": "page-proof-1", "purpose": "租房"}
    first = client.post("/centre/proofs/residence/", form)
    again = client.post("/centre/proofs/residence/", form)  # a double click
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    lic = License.objects.get(license_type__code=RESIDENCE_TYPE)
    assert first["Location"] == f"/centre/proofs/issued/{lic.identifier}/"
    shown = client.get(first["Location"]).content.decode()
    assert lic.identifier in shown
    assert "南岭街道人民大街 5588 号" in shown
    assert "租房" in shown
    assert "<svg" in shown


def test_the_proofs_page_says_where_to_turn(
    client: Any,
    demo_licenses: dict[str, Any],
    other_citizen: Any,  # noqa: F811
) -> None:
    client.force_login(other_citizen)
    refused = client.post("/centre/proofs/residence/", {"idempotency_key": "page-proof-2"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="proof-fallback"' in text
    assert 'href="/items/220100-GA-GG-001/apply/"' in text
    assert not License.objects.filter(license_type__code=RESIDENCE_TYPE).exists()
    # Someone else's proof is not there for them.
    assert client.get("/centre/proofs/issued/x/").status_code in (400, 404)


def test_the_item_apply_page_offers_its_instant_proof(
    client: Any, demo_licenses: dict[str, Any]
) -> None:
    client.force_login(User.objects.get(username="citizen"))
    text = client.get("/items/220100-GA-GG-001/apply/").content.decode()
    assert 'id="instant-proof"' in text
    assert 'href="/centre/proofs/"' in text
    other = client.get("/items/220102-ZJ-XK-001/apply/").content.decode()
    assert 'id="instant-proof"' not in other


def test_the_purpose_is_pinned(tmp_path: Path, demo_licenses: dict[str, Any]) -> None:
    """At most PURPOSE_MAX (100) characters, printed only on a kind that takes one."""
    citizen = User.objects.get(username="citizen")
    lic = request_proof("property", actor=citizen, purpose="贷" * 100)
    assert lic.metadata["purpose"] == "贷" * 100
    with pytest.raises(ValidationFailed) as refused:
        request_proof("property", actor=citizen, purpose="贷" * 101)
    assert refused.value.code == "bad_proof_purpose"
    from yiwang.licenses.proofs.kinds import DEFAULT_KINDS_FILE

    data = json.loads(DEFAULT_KINDS_FILE.read_text(encoding="utf-8"))
    for kind in data["kinds"]:
        kind["takes_purpose"] = False
    path = tmp_path / "kinds.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with override_settings(YIWANG_PROOF_KINDS_FILE=str(path)):
        plain = request_proof("property", actor=citizen, purpose="贷款")
    assert "purpose" not in plain.metadata
