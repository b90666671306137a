"""Online proofs on the holder's side (网上开证明, docs/licenses.md "Proofs"): the kinds,
a button per kind that issues the e-certificate at once when the registry confirms the
facts, the proof with its QR code; when it does not, the reason and the item to apply
for (its apply page pre-fills the materials the person's licenses satisfy)."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.common import idempotency
from yiwang.common.errors import DomainError
from yiwang.licenses import selectors as license_selectors
from yiwang.licenses.models import License
from yiwang.licenses.proofs.kinds import ProofKind, proof_kinds
from yiwang.licenses.services import payload_of, request_proof
from yiwang.licenses.services.proofs import PURPOSE_MAX
from yiwang.portal.access import applicant_required, current_actor
from yiwang.portal.errors import Refusal
from yiwang.portal.forms_cases import IDEMPOTENCY_MAX, new_idempotency_key


class ProofForm(forms.Form):
    idempotency_key = forms.CharField(max_length=IDEMPOTENCY_MAX, widget=forms.HiddenInput)
    purpose = forms.CharField(label=_("用途（可选）"), max_length=PURPOSE_MAX, required=False)


def kinds_for_item(item_code: str) -> list[ProofKind]:
    """The proof kinds whose fallback is this item: its apply page offers them first."""
    return [k for k in proof_kinds() if k.fallback_item == item_code]


def _page(
    request: HttpRequest, *, status: int = 200, refused: DomainError | None = None
) -> HttpResponse:
    context: dict[str, Any] = {
        "section": "proofs",
        "kinds": proof_kinds(),
        "form": ProofForm(initial={"idempotency_key": new_idempotency_key()}),
        "fallback": (refused.extra.get("fallback") if refused is not None else None),
    }
    return render(request, "portal/centre/proofs.html", context, status=status)


@applicant_required
@require_GET
def proofs(request: HttpRequest) -> HttpResponse:
    return _page(request)


@applicant_required
@require_POST
def proof_request(request: HttpRequest, kind: str) -> HttpResponse:
    """Issue the proof now (one per form key: a double click gives the same proof)."""
    form = ProofForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400)
    actor = current_actor(request)
    body = {"kind": kind, "purpose": form.cleaned_data.get("purpose") or ""}
    with Refusal(request) as refused:
        made = idempotency.create_once(
            "licenses.proof",
            actor=actor,
            key=idempotency.parse_key(form.cleaned_data["idempotency_key"]),
            body=body,
            create=lambda: request_proof(kind, actor=actor, purpose=body["purpose"]),
            model=License,
        )
    if refused:
        return _page(request, status=refused.status, refused=refused.error)
    return redirect("portal:centre-proof", identifier=made.identifier)


@applicant_required
@require_GET
def proof_view(request: HttpRequest, identifier: str) -> HttpResponse:
    """One issued proof of mine: its facts, validity and QR code (verifies offline)."""
    lic = license_selectors.license_for(current_actor(request), identifier)
    payload = payload_of(lic)
    labels = lic.license_type.field_labels()
    context = {
        "section": "proofs",
        "license": lic,
        "status": lic.status_on(timezone.localdate()),
        "facts": [(labels.get(k, k), v) for k, v in (lic.metadata or {}).items()],
        "payload": payload,
        "qr": segno.make(payload, error="m", mode="byte").svg_inline(scale=4) if payload else "",
    }
    return render(request, "portal/centre/proof.html", context)
