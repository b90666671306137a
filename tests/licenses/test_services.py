"""Issuing (from a case and directly), status changes, new versions, key rotation,
online verification and its log, the change feed, the demo seed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.conftest import CaseApi, FrozenClock
from yiwang.accounts.actor import Actor
from yiwang.common.audit import AuditEvent
from yiwang.common.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.validators import check_license_id
from yiwang.licenses import services
from yiwang.licenses.choices import LicenseStatus, VerifyResult
from yiwang.licenses.demo import seed_demo_licenses
from yiwang.licenses.encoding import with_signature
from yiwang.licenses.models import AuthorityKey, License, LicenseChange, Verification
from yiwang.licenses.services import Holder, payload_of, verify_payload
from yiwang.licenses.services.keys import key_pair
from yiwang.licenses.services.sealing import unsigned_of
from yiwang.licenses.signing import b64url
from yiwang.notify.models import Message
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

PERMIT = "111000000603213830002"
BUSINESS = "11100000032316376T001"
TRANSPORT_ITEM = "220000-JT-XK-001"
SYSTEM = Actor.system("test")
PERMIT_FORM = {
    "plate_no": "吉A54321",
    "cargo_name": "风电叶片",
    "gross_weight_kg": 52000,
    "dimensions": "62×3.5×4.2",
    "route_from": "长春市",
    "route_to": "白城市",
    "travel_from": "2026-09-20",
    "travel_to": "2026-10-05",
    "across_provinces": False,
}


def _transport() -> Department:
    return Department.objects.get(code="220000-transport")


def _permit(holder: Holder | None = None, **extra: Any) -> License:
    return services.issue_license(
        type_code=PERMIT,
        issuer=_transport(),
        holder=holder or Holder("entity", "91220101MA17Y8K34M", "长春一网示范科技有限公司"),
        metadata={"plate_no": "吉A12345", "cargo_name": "变压器"},
        valid_from=date.today() - timedelta(days=1),
        valid_until=date.today() + timedelta(days=10),
        actor=extra.pop("actor", SYSTEM),
        **extra,
    )


def _answer(lic: License) -> str:
    return verify_payload(payload_of(lic)).result


# --- issuing from a case -------------------------------------------------------------


def test_the_issue_action_of_the_transport_case_creates_and_signs_the_permit(
    api: CaseApi, license_types: dict[str, Any], frozen: FrozenClock
) -> None:
    case = api.apply("enterprise", TRANSPORT_ITEM, form=dict(PERMIT_FORM))
    api.ok("clerk-jilin", case["case_no"], "accept")
    api.ok("reviewer-jilin-transport", case["case_no"], "approve")
    issued = api.ok("reviewer-jilin-transport", case["case_no"], "issue")
    assert issued["status"] == "issued"
    lic = License.objects.get(source_case__case_no=case["case_no"])
    assert check_license_id(lic.identifier) == lic.identifier
    assert lic.identifier.startswith("1.2.156.3005.2.111000000603213830002.11220000696864412B.2026")
    assert (lic.holder_kind, lic.holder_code) == ("entity", "91220101MA17Y8K34M")
    assert (lic.valid_from, lic.valid_until) == (date(2026, 9, 20), date(2026, 10, 5))
    assert lic.issued_on == date(2026, 9, 15)  # the case clock's day
    assert lic.metadata["plate_no"] == "吉A54321"
    assert lic.metadata["gross_weight_kg"] == "52000"
    assert lic.signed_at is not None
    assert "车牌=吉A54321" in payload_of(lic)
    assert verify_payload(payload_of(lic), today=date(2026, 9, 25)).result == "valid"
    assert verify_payload(payload_of(lic), today=date(2026, 10, 6)).result == "expired"
    messages = Message.objects.filter(
        recipient__username="enterprise", object_type="license", object_id=str(lic.pk)
    )
    assert [m.subject for m in messages] == ["电子证照已签发"]
    timeline = api.detail("enterprise", case["case_no"])["history"]
    assert any(lic.identifier in (e.get("data") or {}).get("licenses", []) for e in timeline) or (
        AuditEvent.objects.filter(action="case.issue", after__licenses=[lic.identifier]).exists()
    )


def test_a_failing_license_fails_the_issue_action(
    api: CaseApi, license_types: dict[str, Any], frozen: FrozenClock
) -> None:
    """Same transaction: an issuer that cannot sign leaves the case approved."""
    case = api.apply("enterprise", TRANSPORT_ITEM, form=dict(PERMIT_FORM))
    api.ok("clerk-jilin", case["case_no"], "accept")
    api.ok("reviewer-jilin-transport", case["case_no"], "approve")
    Department.objects.filter(code="220000-transport").update(uscc="")
    refused = api.act("reviewer-jilin-transport", case["case_no"], "issue")
    assert refused.status_code == 422
    assert refused.json()["code"] == "issuer_without_uscc"
    assert api.detail("enterprise", case["case_no"])["status"] == "approved"
    assert not License.objects.filter(source_case__case_no=case["case_no"]).exists()


def test_an_item_without_a_license_type_issues_nothing(
    api: CaseApi, license_types: dict[str, Any]
) -> None:
    from tests.cases import items

    case = api.apply("citizen", items.NANGUAN)
    api.ok("clerk-nanguan", case["case_no"], "accept")
    api.ok("reviewer-nanguan", case["case_no"], "approve")
    api.ok("reviewer-nanguan", case["case_no"], "issue")
    assert not License.objects.filter(source_case__case_no=case["case_no"]).exists()


# --- issuing directly ----------------------------------------------------------------


def test_issuing_department_staff_issue_directly(license_types: dict[str, Any]) -> None:
    staff = Actor.of(license_types["reviewer-jilin-transport"])
    lic = _permit(actor=staff)
    assert lic.version == 1
    assert lic.serial == f"{date.today().year}00000001"
    assert _permit(actor=staff).serial == f"{date.today().year}00000002"
    event = AuditEvent.objects.filter(action="licenses.issued", object_id=lic.identifier).get()
    assert event.actor == "reviewer-jilin-transport"
    assert event.after["key_id"] == lic.key.key_id


@pytest.mark.parametrize("username", ["reviewer-nanguan", "citizen", "officer-jilin-transport"])
def test_others_may_not_issue(license_types: dict[str, Any], username: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        _permit(actor=Actor.of(license_types[username]))
    assert refused.value.code == "not_license_issuer"


def test_bad_holder_and_metadata_are_refused(license_types: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        _permit(holder=Holder("entity", "91220101MA17Y8K34X", "某公司"))  # check char
    with pytest.raises(ValidationFailed) as unknown:
        services.issue_license(
            type_code=PERMIT,
            issuer=_transport(),
            holder=Holder("person", "220102198806151015", "张三"),
            metadata={"colour": "red"},
            actor=SYSTEM,
        )
    assert unknown.value.code == "unknown_metadata_field"


def test_validity_rules_count_the_last_day(license_types: dict[str, Any]) -> None:
    lic = services.issue_license(
        type_code="11100000081407311B004",
        issuer=Department.objects.get(code="220100-public-security"),
        holder=Holder("person", "220102198806151015", "张三"),
        metadata={"license_class": "C1"},
        issued_on=date(2024, 2, 29),
        actor=SYSTEM,
    )
    assert (lic.valid_from, lic.valid_until) == (date(2024, 2, 29), date(2030, 2, 27))
    business = services.issue_license(
        type_code=BUSINESS,
        issuer=Department.objects.get(code="220100-market-regulation"),
        holder=Holder("entity", "91220101MA17Y8K34M", "长春一网示范科技有限公司"),
        metadata={},
        actor=SYSTEM,
    )
    assert business.valid_until is None
    assert verify_payload(payload_of(business)).result == "valid"
    assert "~~证照=营业执照" in payload_of(business)  # empty valid_until


# --- status ----------------------------------------------------------------------------


def test_suspend_reinstate_revoke_are_reported_online(license_types: dict[str, Any]) -> None:
    staff = Actor.of(license_types["reviewer-jilin-transport"])
    lic = _permit()
    assert _answer(lic) == "valid"
    services.suspend_license(lic.identifier, reason="超限车辆违规", actor=staff)
    assert _answer(lic) == VerifyResult.SUSPENDED
    services.reinstate_license(lic.identifier, reason="整改完成", actor=staff)
    assert _answer(lic) == VerifyResult.VALID
    services.revoke_license(lic.identifier, reason="以欺骗手段取得", actor=staff)
    assert _answer(lic) == VerifyResult.REVOKED
    lic.refresh_from_db()
    assert (lic.status, lic.status_reason) == ("revoked", "以欺骗手段取得")
    actions = list(
        AuditEvent.objects.filter(object_id=lic.identifier).values_list("action", flat=True)
    )
    assert actions == [
        "licenses.issued",
        "licenses.suspend",
        "licenses.reinstate",
        "licenses.revoke",
    ]
    kinds = list(LicenseChange.objects.filter(license=lic).values_list("kind", flat=True))
    assert kinds == ["issued", "suspended", "reinstated", "revoked"]
    with pytest.raises(InvalidTransition) as again:
        services.reinstate_license(lic.identifier, reason="x", actor=staff)
    assert (again.value.code, again.value.current_state) == (
        "invalid_license_transition",
        "revoked",
    )


def test_status_changes_need_a_reason_and_the_issuer(license_types: dict[str, Any]) -> None:
    lic = _permit()
    staff = Actor.of(license_types["reviewer-jilin-transport"])
    with pytest.raises(ValidationFailed) as no_reason:
        services.revoke_license(lic.identifier, reason="  ", actor=staff)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(PermissionDenied):
        services.revoke_license(
            lic.identifier, reason="x", actor=Actor.of(license_types["reviewer-nanguan"])
        )
    # another issuer's license looks missing to the transport department's staff
    other = services.issue_license(
        type_code=BUSINESS,
        issuer=Department.objects.get(code="220100-market-regulation"),
        holder=Holder("entity", "91220101MA17Y8K34M", "长春一网示范科技有限公司"),
        metadata={},
        actor=SYSTEM,
    )
    with pytest.raises(NotFound):
        services.revoke_license(other.identifier, reason="x", actor=staff)


def test_an_expired_license_is_expired_online(license_types: dict[str, Any]) -> None:
    lic = services.issue_license(
        type_code=PERMIT,
        issuer=_transport(),
        holder=Holder("entity", "91220101MA17Y8K34M", "长春一网示范科技有限公司"),
        metadata={"plate_no": "吉A12345"},
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 1, 31),
        issued_on=date(2026, 1, 1),
        actor=SYSTEM,
    )
    assert verify_payload(payload_of(lic), today=date(2026, 2, 1)).result == "expired"
    assert lic.status_on(date(2026, 2, 1)) == "expired"
    assert verify_payload(payload_of(lic), today=date(2026, 1, 31)).result == "valid"


# --- versions --------------------------------------------------------------------------


def test_a_new_version_supersedes_the_old(license_types: dict[str, Any]) -> None:
    staff = Actor.of(license_types["reviewer-jilin-transport"])
    old = _permit()
    new = services.new_version(
        old.identifier, metadata={"plate_no": "吉A99999"}, reason="更换牵引车", actor=staff
    )
    old.refresh_from_db()
    assert (new.version, new.serial) == (2, old.serial)
    assert new.identifier.split(".")[-2] == "002"
    assert check_license_id(new.identifier) == new.identifier
    assert (old.status, old.superseded_by_id) == (LicenseStatus.SUPERSEDED, new.pk)
    assert _answer(old) == VerifyResult.SUPERSEDED
    assert _answer(new) == VerifyResult.VALID
    assert new.metadata["plate_no"] == "吉A99999"
    assert new.metadata["cargo_name"] == "变压器"
    with pytest.raises(InvalidTransition):
        services.new_version(old.identifier, reason="again", actor=staff)


# --- keys ------------------------------------------------------------------------------


def test_rotation_keeps_old_licenses_verifying(license_types: dict[str, Any]) -> None:
    before = _permit()
    old_key = before.key
    new_key = services.rotate_authority_key(
        _transport(), actor=Actor.system("test"), today=date.today() + timedelta(days=1)
    )
    assert new_key.key_id != old_key.key_id
    old_key.refresh_from_db()
    assert old_key.retired_at is not None
    assert old_key.valid_until == date.today()
    assert _answer(before) == "valid"  # signed by the retired key
    after = services.issue_license(
        type_code=PERMIT,
        issuer=_transport(),
        holder=Holder("entity", "91220101MA17Y8K34M", "长春一网示范科技有限公司"),
        metadata={},
        valid_from=date.today() + timedelta(days=1),
        valid_until=date.today() + timedelta(days=10),
        issued_on=date.today() + timedelta(days=1),
        actor=SYSTEM,
    )
    assert after.key_id == new_key.pk
    assert (
        verify_payload(payload_of(after), today=date.today() + timedelta(days=2)).result == "valid"
    )
    assert set(services.known_keys()) >= {old_key.key_id, new_key.key_id}


def test_private_keys_are_stored_sealed(license_types: dict[str, Any]) -> None:
    lic = _permit()
    key = AuthorityKey.objects.get(pk=lic.key_id)
    assert key.sealed_private_key.startswith("sm4gcm1:")
    assert key_pair(key).private.hex() not in key.sealed_private_key


def test_only_the_platform_rotates_keys(license_types: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.rotate_authority_key(
            _transport(), actor=Actor.of(license_types["reviewer-jilin-transport"])
        )


# --- online verification -------------------------------------------------------------


def test_a_signed_payload_that_differs_from_the_stored_version_is_tampered(
    license_types: dict[str, Any],
) -> None:
    """Even signed with the issuer's real key (a leaked key, a replayed draft): the
    library's digest decides."""
    lic = _permit()
    pair = key_pair(lic.key)
    lic.digest = "0" * 64
    forged = unsigned_of(lic, lic.license_type, lic.key.key_id)
    text = with_signature(forged, b64url(pair.sign(forged.encode())))
    assert verify_payload(text).result == VerifyResult.TAMPERED


def test_a_well_signed_payload_the_library_does_not_hold_is_unknown(
    license_types: dict[str, Any],
) -> None:
    lic = _permit()
    text = payload_of(lic)
    License.objects.filter(pk=lic.pk).update(identifier=lic.identifier[:-1] + "X")
    assert verify_payload(text).result == VerifyResult.UNKNOWN


@pytest.mark.parametrize("garbage", ["", "YWL1~~~~~~~~", "\ud800", "x" * 10_000, None, 42])
def test_verify_payload_never_raises(license_types: dict[str, Any], garbage: object) -> None:
    assert verify_payload(garbage).result == VerifyResult.TAMPERED


def test_a_verification_is_logged_and_the_holder_sees_it(
    license_types: dict[str, Any],
) -> None:
    lic = _permit()
    officer = Actor.of(license_types["officer-jilin-transport"])
    answer = verify_payload(payload_of(lic))
    earlier = timezone.now() - timedelta(hours=3)
    logged = services.record_verification(
        answer,
        actor=officer,
        checked_at=earlier,
        location="G12 珲乌高速 K105",
        offline_result="valid",
    )
    assert (logged.result, logged.offline_result, logged.channel) == (
        "valid",
        "valid",
        "offline_sync",
    )
    assert logged.checked_at == earlier
    assert logged.verifier_label == "马骏（吉林省交通运输厅）"
    from yiwang.licenses.selectors import verifications_for

    seen = verifications_for(Actor.of(license_types["enterprise"]), lic.identifier)
    assert [v.pk for v in seen] == [logged.pk]
    with pytest.raises(ValidationFailed) as future:
        services.record_verification(
            answer, actor=officer, checked_at=timezone.now() + timedelta(hours=1)
        )
    assert future.value.code == "checked_at_in_future"
    anonymous = services.record_verification(verify_payload("garbage"), actor=Actor.anonymous())
    assert (anonymous.license_id, anonymous.result, anonymous.verifier_id) == (
        None,
        "tampered",
        None,
    )
    assert Verification.objects.count() == 2


# --- change feed and demo --------------------------------------------------------------


def test_the_change_feed_is_ordered_and_paged(license_types: dict[str, Any]) -> None:
    from yiwang.licenses.selectors import changes_since

    admin = Actor.of(license_types["admin"])
    start = changes_since(admin, 0, limit=1000).next_cursor
    a, b = _permit(), _permit()
    first = changes_since(admin, start, limit=1)
    assert ([c.identifier for c in first.rows], first.more) == ([a.identifier], True)
    rest = changes_since(admin, first.next_cursor, limit=10)
    assert ([c.identifier for c in rest.rows], rest.more) == ([b.identifier], False)
    with pytest.raises(PermissionDenied) as refused:
        changes_since(Actor.of(license_types["reviewer-jilin-transport"]), 0)
    assert refused.value.code == "exchange_clients_only"


def test_the_demo_seed_is_idempotent_and_its_licenses_verify(
    license_types: dict[str, Any],
) -> None:
    created = seed_demo_licenses(actor=SYSTEM)
    assert created == 5
    assert seed_demo_licenses(actor=SYSTEM) == 0
    mine = License.objects.filter(holder_code="91220101MA17Y8K34M")
    assert {lic.license_type.name for lic in mine} == {
        "营业执照",
        "超限运输车辆行驶公路许可",
        "道路运输证",
    }
    permit = mine.get(license_type__code=PERMIT)
    assert _answer(permit) == "valid"
    citizen = License.objects.filter(holder_code="220102198806151015")
    assert {_answer(lic) for lic in citizen} == {"valid", "expired"}
