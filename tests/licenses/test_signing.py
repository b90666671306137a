"""SM2 signing, the canonical encoding and the QR payload, pinned byte for byte, and
verified with an independent SM2 implementation (tongsuopy: Tongsuo, not GmSSL).

The fixed key and license are the worked example of docs/licenses.md."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date

import pytest
from gmssl_pyx import sm2_sign, sm2_verify, sm3_hash
from tongsuopy.crypto import hashes
from tongsuopy.crypto.asymciphers import ec

from yiwang.common.anchoring import key_id_of as anchoring_key_id_of
from yiwang.common.validators import make_license_id
from yiwang.licenses import signing
from yiwang.licenses.choices import VerifyResult
from yiwang.licenses.encoding import (
    LicenseFacts,
    canonical_metadata,
    encode_fields,
    parse_payload,
    sm3_hex,
    unsigned_payload,
    with_signature,
)
from yiwang.licenses.verification import KnownKey, verify_offline

EXAMPLE_PRIVATE = "5b8c13e03964aaef57717b810baf1b9ba9c621edcc291708d6e93a8a598a4d2e"
EXAMPLE_PUBLIC = (
    "049a35c2ae22c9e580cd02efa6b57e999692ee700c3f95a2aa60bbdf952af2149b"
    "0191ea8156f8993dc931863dd183fb9b7712eca75175fa803b7ffaa575f8a40a"
)
EXAMPLE_KEY_ID = "b6fd7d5ebf1f62a3"
TRANSPORT_USCC = "11220000696864412B"  # 吉林省交通运输厅 (synthetic, org data)
PERMIT_TYPE = "111000000603213830002"
IDENTIFIER = make_license_id(PERMIT_TYPE, TRANSPORT_USCC, "202600000001", 1)

FACTS = LicenseFacts(
    identifier=IDENTIFIER,
    version="001",
    type_code=PERMIT_TYPE,
    type_name="超限运输车辆行驶公路许可",
    license_no="202600000001",
    holder_kind="entity",
    holder_code_type="统一社会信用代码",
    holder_code="91220101MA17Y8K34M",
    holder_name="长春一网示范科技有限公司",
    issuer_code=TRANSPORT_USCC,
    issuer_name="吉林省交通运输厅",
    issued_on=date(2026, 5, 8),
    valid_from=date(2026, 5, 10),
    valid_until=date(2026, 5, 20),
    metadata={"plate_no": "吉A12345", "cargo_name": "变压器", "gross_weight_kg": "98000"},
)

#: The exact canonical bytes of FACTS (RFC 8785: sorted keys, no spaces, UTF-8).
CANONICAL = (
    '{"format":"yiwang-license-metadata/1","holder_code":"91220101MA17Y8K34M",'
    '"holder_code_type":"统一社会信用代码","holder_kind":"entity",'
    '"holder_name":"长春一网示范科技有限公司",'
    f'"identifier":"{IDENTIFIER}","issued_on":"2026-05-08",'
    '"issuer_code":"11220000696864412B","issuer_name":"吉林省交通运输厅",'
    '"license_no":"202600000001",'
    '"metadata":{"cargo_name":"变压器","gross_weight_kg":"98000","plate_no":"吉A12345"},'
    '"type_code":"111000000603213830002","type_name":"超限运输车辆行驶公路许可",'
    '"valid_from":"2026-05-10","valid_until":"2026-05-20","version":"001"}'
).encode()
FIELDS = [
    ("证照", "超限运输车辆行驶公路许可"),
    ("持证者", "长春一网示范科技有限公司"),
    ("车牌", "吉A12345"),
]


def example_key() -> signing.KeyPair:
    public = signing.PublicKey.of(EXAMPLE_PUBLIC)
    return signing.KeyPair(
        public.key_id, public.public, public.za, private=bytes.fromhex(EXAMPLE_PRIVATE)
    )


def unsigned(facts: LicenseFacts = FACTS, key_id: str = EXAMPLE_KEY_ID) -> str:
    return unsigned_payload(
        identifier=facts.identifier,
        version=facts.version,
        key_id=key_id,
        digest=sm3_hex(canonical_metadata(facts)),
        valid_from=facts.valid_from,
        valid_until=facts.valid_until,
        fields=FIELDS,
    )


def signed(text: str, key: signing.KeyPair | None = None) -> str:
    return with_signature(text, signing.b64url((key or example_key()).sign(text.encode())))


def keys(authority: str = TRANSPORT_USCC) -> dict[str, KnownKey]:
    return {
        EXAMPLE_KEY_ID: KnownKey(
            signing.PublicKey.of(EXAMPLE_PUBLIC), authority, "吉林省交通运输厅"
        )
    }


TODAY = date(2026, 5, 12)


def test_the_identifier_of_the_example() -> None:
    assert (
        IDENTIFIER == "1.2.156.3005.2.111000000603213830002.11220000696864412B.202600000001.001.U"
    )


def test_the_canonical_encoding_is_pinned_byte_for_byte() -> None:
    assert canonical_metadata(FACTS) == CANONICAL
    assert sm3_hex(CANONICAL) == "f441bfce67d8b1e9e68831e5a023af354381c2a6c42b672fa7ecd9724fa26348"


def test_the_digest_agrees_with_tongsuos_sm3() -> None:
    digest = hashes.Hash(hashes.SM3())
    digest.update(CANONICAL)
    assert digest.finalize().hex() == sm3_hex(CANONICAL)


def test_the_canonical_encoding_escapes_as_rfc_8785() -> None:
    odd = replace(FACTS, metadata={"route": 'A"B\\C\nD\x01'})
    assert b'"metadata":{"route":"A\\"B\\\\C\\nD\\u0001"}' in canonical_metadata(odd)


def test_canonical_encoding_refuses_non_text_metadata() -> None:
    with pytest.raises(ValueError, match="ASCII names"):
        canonical_metadata(replace(FACTS, metadata={"Plate": "x"}))
    with pytest.raises(ValueError, match="text values"):
        canonical_metadata(replace(FACTS, metadata={"weight": 98000}))  # type: ignore[dict-item]


def test_the_unsigned_payload_is_pinned() -> None:
    assert unsigned() == (
        f"YWL1~{IDENTIFIER}~001~b6fd7d5ebf1f62a3~"
        "f441bfce67d8b1e9e68831e5a023af354381c2a6c42b672fa7ecd9724fa26348~20260510~20260520~"
        "证照=超限运输车辆行驶公路许可;持证者=长春一网示范科技有限公司;车牌=吉A12345"
    )


def test_fields_lose_separators_and_line_breaks() -> None:
    assert encode_fields([("车=牌", "吉A~1;2\n3\u20284"), ("", "x")]) == "车牌=吉A1234"


def test_key_id_is_sm3_of_the_64_byte_public_key_as_the_audit_anchors_make_it() -> None:
    """One key id rule on the platform (docs/licenses.md): SM3 over X||Y (64 bytes, what
    gmssl-pyx gives), first 16 hex characters = `common.anchoring.key_id_of`; the published
    130-hex 04||X||Y gives the same id once its 04 is dropped."""
    raw = bytes.fromhex(EXAMPLE_PUBLIC)
    assert len(raw) == 65
    assert bytes(sm3_hash(raw[1:])).hex()[:16] == EXAMPLE_KEY_ID == "b6fd7d5ebf1f62a3"
    assert anchoring_key_id_of(raw[1:]) == EXAMPLE_KEY_ID
    assert signing.key_id(raw) == signing.key_id(raw[1:]) == EXAMPLE_KEY_ID
    assert signing.PublicKey.of(EXAMPLE_PUBLIC).key_id == EXAMPLE_KEY_ID
    assert bytes(sm3_hash(raw)).hex()[:16] != EXAMPLE_KEY_ID  # not over the 65 bytes


def test_za_once_per_key_matches_gmssl_computing_it_itself() -> None:
    """Our e = SM3(Z_A || M) signed as a digest verifies where GmSSL computes Z_A from
    the default id, and GmSSL's own signature verifies with ours."""
    key = example_key()
    message = unsigned().encode()
    ours = key.sign(message)
    assert sm2_verify(key.public[1:], message, ours)  # default id 1234567812345678
    theirs = sm2_sign(key.private, key.public[1:], message)
    assert key.verifies(message, theirs)
    assert not sm2_verify(key.public[1:], message, ours, None)  # without Z_A: no


def test_tongsuo_verifies_our_signatures() -> None:
    """Interop: Tongsuo (a different code base) with its default SM2 user id."""
    key = example_key()
    message = unsigned().encode()
    signature = key.sign(message)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(EXAMPLE_PUBLIC))
    public.verify(signature, message, ec.ECDSA(hashes.SM3()))  # raises if bad
    from tongsuopy.crypto.exceptions import InvalidSignature

    with pytest.raises(InvalidSignature):
        public.verify(signature, message + b"x", ec.ECDSA(hashes.SM3()))


def test_we_verify_tongsuo_signatures() -> None:
    private = ec.derive_private_key(int(EXAMPLE_PRIVATE, 16), ec.SM2())
    message = unsigned().encode()
    signature = private.sign(message, ec.ECDSA(hashes.SM3()))
    assert example_key().verifies(message, signature)


def test_the_payload_signature_is_der_base64url_without_padding() -> None:
    payload = signed(unsigned())
    sig = payload.rsplit("~", 1)[1]
    assert "=" not in sig
    assert "+" not in sig
    assert "/" not in sig
    der = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    assert der[0] == 0x30  # SEQUENCE { r, s }


def test_round_trip_is_valid_offline() -> None:
    outcome = verify_offline(signed(unsigned()), keys(), TODAY)
    assert outcome.result == VerifyResult.VALID
    assert outcome.payload is not None
    assert outcome.payload.fields[2] == ("车牌", "吉A12345")


@pytest.mark.parametrize(
    ("today", "result", "reason"),
    [
        (date(2026, 5, 21), "expired", "past_valid_until"),
        (date(2026, 5, 9), "not_yet_valid", "before_valid_from"),
    ],
)
def test_after_the_period_is_expired_and_before_it_not_yet_valid(
    today: date, result: str, reason: str
) -> None:
    """Decision 0019: before valid_from is its own result, as in verify.js."""
    outcome = verify_offline(signed(unsigned()), keys(), today)
    assert (outcome.result, outcome.reason) == (result, reason)
    assert outcome.authority_name == "吉林省交通运输厅"  # the key that verified


def test_the_last_day_is_still_valid() -> None:
    assert verify_offline(signed(unsigned()), keys(), date(2026, 5, 20)).result == "valid"
    assert verify_offline(signed(unsigned()), keys(), date(2026, 5, 10)).result == "valid"


def _tamper_each_part() -> list[tuple[int, str]]:
    return [
        (1, IDENTIFIER.replace("202600000001", "202600000002")),  # check char now wrong
        (1, make_license_id(PERMIT_TYPE, TRANSPORT_USCC, "202600000002", 1)),
        (2, "002"),
        (4, "0" * 64),
        (5, "20260501"),
        (6, "20261231"),
        (6, ""),
        (7, "证照=超限运输车辆行驶公路许可;持证者=别人;车牌=吉A12345"),
        (7, "证照=超限运输车辆行驶公路许可;持证者=长春一网示范科技有限公司;车牌=吉A12346"),
        (8, "MEUCIQ" + "A" * 60),
    ]


@pytest.mark.parametrize(("index", "value"), _tamper_each_part())
def test_tampering_any_field_or_the_signature_is_tampered(index: int, value: str) -> None:
    parts = signed(unsigned()).split("~")
    parts[index] = value
    assert verify_offline("~".join(parts), keys(), TODAY).result == VerifyResult.TAMPERED


def test_a_key_id_not_published_is_unknown_and_a_wrong_known_one_tampered() -> None:
    parts = signed(unsigned()).split("~")
    parts[3] = "0123456789abcdef"
    assert verify_offline("~".join(parts), keys(), TODAY).result == VerifyResult.UNKNOWN
    other = signing.generate_key_pair()
    both = {**keys(), other.key_id: KnownKey(other, TRANSPORT_USCC)}
    parts[3] = other.key_id
    assert verify_offline("~".join(parts), both, TODAY).result == VerifyResult.TAMPERED


def test_a_payload_signed_by_an_unknown_key_is_unknown() -> None:
    stranger = signing.generate_key_pair()
    text = signed(unsigned(key_id=stranger.key_id), stranger)
    assert verify_offline(text, keys(), TODAY).result == VerifyResult.UNKNOWN


def test_another_authoritys_key_cannot_sign_this_issuers_license() -> None:
    outcome = verify_offline(signed(unsigned()), keys(authority="11220000742049399U"), TODAY)
    assert (outcome.result, outcome.reason) == (VerifyResult.TAMPERED, "key of another authority")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "YWL1",
        "\x00\xff" * 50,
        "YWL1~" * 8 + "x",
        "YWL2" + signed(unsigned())[4:],
        signed(unsigned())[:-10],
        signed(unsigned())[:100],
        signed(unsigned()) + "~",
        signed(unsigned()).replace("~20260520~", "~20260230~"),
        signed(unsigned()).replace("b6fd7d5ebf1f62a3", "B6FD7D5EBF1F62A3"),
        "x" * 5000,
        None,
        12345,
        ["YWL1"],
    ],
    ids=lambda _value: "",  # signatures are random: ids must not be (pytest-xdist)
)
def test_garbage_is_tampered_and_never_raises(garbage: object) -> None:
    assert verify_offline(garbage, keys(), TODAY).result == VerifyResult.TAMPERED


def test_random_bytes_are_tampered() -> None:
    import os

    for _ in range(200):
        text = os.urandom(300).decode("latin-1")
        assert verify_offline(text, keys(), TODAY).result == VerifyResult.TAMPERED


def test_parse_reads_back_what_was_built() -> None:
    payload = parse_payload(signed(unsigned()))
    assert (payload.identifier, payload.version, payload.key_id) == (
        IDENTIFIER,
        "001",
        EXAMPLE_KEY_ID,
    )
    assert (payload.valid_from, payload.valid_until) == (date(2026, 5, 10), date(2026, 5, 20))
    assert payload.message == unsigned().encode()


def test_sealed_private_keys_open_only_with_their_id_and_master_key() -> None:
    master = bytes(range(16))
    sealed = signing.seal(bytes.fromhex(EXAMPLE_PRIVATE), EXAMPLE_KEY_ID, key=master)
    assert sealed.startswith("sm4gcm1:")
    assert EXAMPLE_PRIVATE not in sealed
    assert signing.unseal(sealed, EXAMPLE_KEY_ID, key=master).hex() == EXAMPLE_PRIVATE
    with pytest.raises(signing.SealError):
        signing.unseal(sealed, "0000000000000000", key=master)
    with pytest.raises(signing.SealError):
        signing.unseal(sealed, EXAMPLE_KEY_ID, key=bytes(16))
    assert signing.seal(b"k" * 32, "id", key=master) != signing.seal(b"k" * 32, "id", key=master)


#: The worked example of docs/licenses.md, signed once with the example key.
DOC_PAYLOAD = (
    "YWL1~1.2.156.3005.2.111000000603213830002.11220000696864412B.202600000001.001.U~001~"
    "b6fd7d5ebf1f62a3~f441bfce67d8b1e9e68831e5a023af354381c2a6c42b672fa7ecd9724fa26348~"
    "20260510~20260520~证照=超限运输车辆行驶公路许可;持证者=长春一网示范科技有限公司;车牌=吉A12345~"
    "MEUCIQDtR-v9hio-SOBO8GPAyEJlfr2Tq6uO6ZAf9G7EeAcfTwIgNRw3AN58AdQVQHin9t7F4t8bd3fKm4hD32KM2e-7-NY"
)


def test_the_documented_worked_example_verifies_with_tongsuo() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "licenses.md").read_text("utf-8")
    assert DOC_PAYLOAD in doc
    assert CANONICAL.decode() in doc
    message, _, sig = DOC_PAYLOAD.rpartition("~")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(EXAMPLE_PUBLIC))
    public.verify(
        base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)),
        message.encode("utf-8"),
        ec.ECDSA(hashes.SM3()),
    )
    assert message == unsigned()
    assert verify_offline(DOC_PAYLOAD, keys(), TODAY).result == VerifyResult.VALID
    za = example_key().za.hex()
    assert za == "aea831abfb963cc8a96495bc46d7579327b8609a9ec8e6e2e7f3e531ec9431d7"
    assert za in doc
