"""HTTP API of online proofs (网上开证明, docs/licenses.md "Proofs").

GET  /proofs          the proof kinds (anyone)
POST /proofs {kind}   issue one now when the registry confirms the facts (the signed-in
                      person or enterprise; Idempotency-Key); else 422 proof_not_confirmed
                      with `reason` and `fallback`
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from yiwang.accounts.actor import signed_in_actor
from yiwang.common import idempotency
from yiwang.licenses import selectors
from yiwang.licenses.api import license_out
from yiwang.licenses.models import License
from yiwang.licenses.proofs.kinds import proof_kinds
from yiwang.licenses.schemas import LicenseOut
from yiwang.licenses.services import request_proof
from yiwang.licenses.services.proofs import PURPOSE_MAX

router = Router(tags=["licenses"])


class ProofKindOut(Schema):
    code: str
    name: str
    description: str
    license_type: str
    holder_kinds: list[str]
    fallback_item: str | None = Field(description="无法即时出具时应申请的事项编码")
    takes_purpose: bool


class ProofKindsOut(Schema):
    kinds: list[ProofKindOut]


class ProofIn(Schema):
    kind: str = Field(min_length=1, max_length=40, description="证明种类（GET /proofs）")
    purpose: str = Field("", max_length=PURPOSE_MAX, description="用途（可选，印在证明上）")


@router.get(
    "/proofs",
    response=ProofKindsOut,
    auth=None,
    summary="可在线即时开具的证明种类",
    operation_id="listProofKinds",
)
def list_proof_kinds(request: HttpRequest) -> ProofKindsOut:
    return ProofKindsOut(
        kinds=[
            ProofKindOut(
                code=k.code,
                name=k.name,
                description=k.description,
                license_type=k.license_type,
                holder_kinds=list(k.holder_kinds),
                fallback_item=k.fallback_item,
                takes_purpose=k.takes_purpose,
            )
            for k in proof_kinds()
        ]
    )


@router.post(
    "/proofs",
    response={201: LicenseOut},
    summary="网上开证明：登记信息核实后即时签发电子证明",
    operation_id="requestProof",
)
def request(
    request: HttpRequest,
    body: ProofIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = signed_in_actor(request)
    made = idempotency.create_once(
        "licenses.proof",
        actor=actor,
        key=key,
        body=body.model_dump(mode="json"),
        create=lambda: request_proof(body.kind, actor=actor, purpose=body.purpose),
        model=License,
    )
    return Status(201, license_out(selectors.license_for(actor, made.identifier), actor))
