"""Proof kinds as data (licenses/data/proof_kinds.json): what a person may request, the
license type of the e-certificate it yields, the registry that confirms its facts, who
issues it, and where to turn when the registry does not confirm them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_KINDS_FILE = Path(__file__).resolve().parent.parent / "data" / "proof_kinds.json"


@dataclass(frozen=True)
class ProofKind:
    code: str
    name: str
    description: str
    license_type: str
    source: str
    holder_kinds: tuple[str, ...]
    issuer: str
    fallback_item: str | None
    fallback_where: str
    takes_purpose: bool


def kinds_file() -> Path:
    return Path(getattr(settings, "YIWANG_PROOF_KINDS_FILE", "") or DEFAULT_KINDS_FILE)


def _kind(entry: dict[str, Any]) -> ProofKind:
    return ProofKind(
        code=str(entry["code"]),
        name=str(entry["name"]),
        description=str(entry.get("description", "")),
        license_type=str(entry["license_type"]),
        source=str(entry["source"]),
        holder_kinds=tuple(entry.get("holder_kinds") or ("person",)),
        issuer=str(entry["issuer"]),
        fallback_item=entry.get("fallback_item") or None,
        fallback_where=str(entry.get("fallback_where", "")),
        takes_purpose=bool(entry.get("takes_purpose")),
    )


@cache
def _load(path: Path) -> tuple[ProofKind, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds = tuple(_kind(e) for e in data.get("kinds", []))
    types = {t["code"] for t in data.get("types", [])}
    for kind in kinds:  # a kind's type is defined beside it (load_license_types loads it)
        if kind.license_type not in types:
            raise ValueError(f"proof kind {kind.code}: type {kind.license_type} not in {path}")
    return kinds


def proof_kinds() -> tuple[ProofKind, ...]:
    """Every proof kind, in the file's order (read once per process and file)."""
    return _load(kinds_file())


def proof_kind(code: str) -> ProofKind | None:
    return next((k for k in proof_kinds() if k.code == code), None)
