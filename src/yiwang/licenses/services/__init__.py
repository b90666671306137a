"""The only writers of the license library (each one transaction, audited)."""

from yiwang.licenses.services.issuing import (
    Holder,
    issue_for_case,
    issue_license,
    new_version,
    record_change,
)
from yiwang.licenses.services.keys import (
    ensure_authority_key,
    known_keys,
    rotate_authority_key,
)
from yiwang.licenses.services.proofs import load_proof_types, request_proof
from yiwang.licenses.services.sealing import payload_of
from yiwang.licenses.services.status import (
    STATUS_TRANSITIONS,
    change_status,
    reinstate_license,
    revoke_license,
    suspend_license,
)
from yiwang.licenses.services.types import load_license_types
from yiwang.licenses.services.verifying import (
    VerifyAnswer,
    check_verify_rate,
    record_verification,
    verify_payload,
)

__all__ = [
    "STATUS_TRANSITIONS",
    "Holder",
    "VerifyAnswer",
    "change_status",
    "check_verify_rate",
    "ensure_authority_key",
    "issue_for_case",
    "issue_license",
    "known_keys",
    "load_license_types",
    "load_proof_types",
    "new_version",
    "payload_of",
    "record_change",
    "record_verification",
    "reinstate_license",
    "request_proof",
    "revoke_license",
    "rotate_authority_key",
    "suspend_license",
    "verify_payload",
]
