"""Checking a QR payload: offline (the signature, the key, the dates — what the officer's
page does without a network) and online (the library's current status on top).

Pure functions over what they are given; `verify_offline` never raises on any input.
The order of the answers (docs/licenses.md): a payload that does not parse, or whose
signature is bad, or whose key belongs to another authority than the identifier's
issuer, is `tampered`; a well-formed payload of a key not published is `unknown`;
online, a signed version the library does not hold is `unknown` and one whose digest
or key differs from the stored version is `tampered`; then revoked > suspended >
superseded > expired (after valid_until) or not_yet_valid (before valid_from) > valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from yiwang.licenses.choices import LicenseStatus, VerifyResult
from yiwang.licenses.encoding import Payload, PayloadError, parse_payload
from yiwang.licenses.signing import PublicKey


@dataclass(frozen=True)
class KnownKey:
    """A published key as a verifier holds it: the key, its authority's USCC (checked
    against the identifier's issuer) and name (shown beside the answer)."""

    key: PublicKey
    authority_uscc: str
    authority_name: str = ""


@dataclass(frozen=True)
class Outcome:
    result: str
    reason: str = ""
    payload: Payload | None = None
    #: The authority whose key verified the signature ("" when none did).
    authority_name: str = ""


def _issuer_of(identifier: str) -> str:
    return identifier.split(".")[-4]


def verify_offline(text: object, keys: Mapping[str, KnownKey], today: date) -> Outcome:
    """The offline answer: valid, expired, not_yet_valid, unknown or tampered (the
    same rules as the officer page's verify.js). Never raises."""
    try:
        payload = parse_payload(text)
    except PayloadError as exc:
        return Outcome(VerifyResult.TAMPERED, str(exc))
    except Exception:  # belt and braces: nothing a client sends may become a 500
        return Outcome(VerifyResult.TAMPERED, "unreadable")
    known = keys.get(payload.key_id)
    if known is None:
        return Outcome(VerifyResult.UNKNOWN, "key not published", payload)
    if not known.key.verifies(payload.message, payload.signature):
        return Outcome(VerifyResult.TAMPERED, "bad signature", payload)
    if known.authority_uscc != _issuer_of(payload.identifier):
        # A good signature by another authority's key: not this issuer's license.
        return Outcome(VerifyResult.TAMPERED, "key of another authority", payload)
    name = known.authority_name
    if today < payload.valid_from:
        return Outcome(VerifyResult.NOT_YET_VALID, "before_valid_from", payload, name)
    if payload.valid_until is not None and today > payload.valid_until:
        return Outcome(VerifyResult.EXPIRED, "past_valid_until", payload, name)
    return Outcome(VerifyResult.VALID, "", payload, name)


@dataclass(frozen=True)
class StoredVersion:
    """What the library holds of the version a payload names."""

    digest: str
    key_id: str
    status: str
    valid_from: date
    valid_until: date | None


def verify_online(
    text: object,
    keys: Mapping[str, KnownKey],
    today: date,
    stored: StoredVersion | None,
) -> Outcome:
    """The online answer: the offline checks, then the library's record of the version
    (`stored`, None when it holds none under the payload's identifier)."""
    offline = verify_offline(text, keys, today)
    if offline.result in (VerifyResult.TAMPERED, VerifyResult.UNKNOWN):
        return offline
    payload = offline.payload
    assert payload is not None  # a signed, parsed payload past the checks above
    if stored is None:
        return Outcome(VerifyResult.UNKNOWN, "not in the library", payload, offline.authority_name)
    if (
        stored.digest != payload.digest
        or stored.key_id != payload.key_id
        or stored.valid_from != payload.valid_from
        or stored.valid_until != payload.valid_until
    ):
        return Outcome(VerifyResult.TAMPERED, "differs from the stored version", payload)
    for status in (LicenseStatus.REVOKED, LicenseStatus.SUSPENDED, LicenseStatus.SUPERSEDED):
        if stored.status == status:
            return Outcome(str(status), "", payload, offline.authority_name)
    return offline
