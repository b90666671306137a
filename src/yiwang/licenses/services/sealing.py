"""A license version's facts, canonical digest, QR payload and signature.

One signature per version: over the QR payload (which carries the SM3 digest of the
canonical metadata), stored on the license; the payload is rebuilt from the stored
row and that signature whenever it is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from yiwang.licenses.choices import HOLDER_CODE_TYPE, HolderKind
from yiwang.licenses.encoding import (
    LicenseFacts,
    canonical_metadata,
    sm3_hex,
    unsigned_payload,
    with_signature,
)
from yiwang.licenses.models import AuthorityKey, License, LicenseType
from yiwang.licenses.signing import KeyPair, b64url
from yiwang.org.models import Department

#: The two fields every payload starts with (the shared payload spec's example).
TYPE_LABEL = "证照"
HOLDER_LABEL = "持证者"


def facts_of(lic: License, lic_type: LicenseType, issuer: Department) -> LicenseFacts:
    return LicenseFacts(
        identifier=lic.identifier,
        version=lic.version_text,
        type_code=lic_type.code,
        type_name=lic_type.name,
        license_no=lic.serial,
        holder_kind=lic.holder_kind,
        holder_code_type=HOLDER_CODE_TYPE[HolderKind(lic.holder_kind)],
        holder_code=lic.holder_code,
        holder_name=lic.holder_name,
        issuer_code=issuer.uscc,
        issuer_name=issuer.name,
        issued_on=lic.issued_on,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        metadata={str(k): str(v) for k, v in (lic.metadata or {}).items()},
    )


def qr_fields(lic: License, lic_type: LicenseType) -> list[tuple[str, str]]:
    """What an officer sees: the type, the holder, then the type's chosen fields."""
    return qr_pairs(
        lic_type.name, lic.holder_name, lic_type.field_labels(), lic_type.qr_fields, lic.metadata
    )


def qr_pairs(
    type_name: str,
    holder_name: str,
    labels: Mapping[str, str],
    chosen: Iterable[str],
    metadata: Mapping[str, Any] | None,
) -> list[tuple[str, str]]:
    """`qr_fields` from plain values (the import's pool processes hold no models)."""
    pairs = [(TYPE_LABEL, type_name), (HOLDER_LABEL, holder_name)]
    for name in chosen:
        value = (metadata or {}).get(name)
        if value not in (None, ""):
            pairs.append((labels.get(name, name), str(value)))
    return pairs


def unsigned_of(lic: License, lic_type: LicenseType, key_id: str) -> str:
    return unsigned_payload(
        identifier=lic.identifier,
        version=lic.version_text,
        key_id=key_id,
        digest=lic.digest,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        fields=qr_fields(lic, lic_type),
    )


def sign_version(
    lic: License,
    lic_type: LicenseType,
    issuer: Department,
    key: AuthorityKey,
    pair: KeyPair,
    now: datetime,
) -> None:
    """Fill in digest, signature, key and signing time (the caller saves)."""
    lic.digest, lic.signature = seal_facts(
        facts_of(lic, lic_type, issuer), qr_fields(lic, lic_type), key.key_id, pair
    )
    lic.key = key
    lic.signed_at = now


def seal_facts(
    facts: LicenseFacts, fields: Iterable[tuple[str, str]], key_id: str, pair: KeyPair
) -> tuple[str, str]:
    """(digest, signature) of one version: the SM3 of its canonical metadata, and the
    SM2 signature (base64url) of its unsigned QR payload. The one place these bytes are
    made — `sign_version` (issuing) and the bulk import's pool processes (decision 0021)
    both come here, so an imported license is signed exactly as an issued one."""
    digest = sm3_hex(canonical_metadata(facts))
    message = unsigned_payload(
        identifier=facts.identifier,
        version=facts.version,
        key_id=key_id,
        digest=digest,
        valid_from=facts.valid_from,
        valid_until=facts.valid_until,
        fields=fields,
    ).encode("utf-8")
    return digest, b64url(pair.sign(message))


def payload_of(lic: License) -> str:
    """The version's QR payload (its stored signature); "" while not yet signed."""
    if lic.signed_at is None or lic.key is None:
        return ""
    return with_signature(unsigned_of(lic, lic.license_type, lic.key.key_id), lic.signature)
