"""Where the facts of a proof come from (`ProofSource`): the departments' registries —
household registration (户籍和居住登记, public security) and the real-estate register
(不动产登记簿). The platform does not own these facts, so it keeps no table of them: a
source answers for one holder on one day, and the proof is issued from that answer.

The local implementations read a small demo dataset (licenses/data/proof_records.json)
— a stand-in for the departments' systems, read-only, with the same answer shape an
adapter to a real registry gives. `YIWANG_PROOF_SOURCES` (settings) maps a source name
to the dotted path of its class; production points them at adapters and the demo
sources refuse to answer there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from yiwang.licenses.choices import HolderKind
from yiwang.licenses.selectors import HolderRef

DEFAULT_RECORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "proof_records.json"
DEFAULT_SOURCES = {
    "household": "yiwang.licenses.proofs.sources.LocalHouseholdRegistry",
    "property": "yiwang.licenses.proofs.sources.LocalPropertyRegistry",
}

#: Why a source does not confirm (stable: the API's `reason`).
NO_RECORD = "no_record"
NOT_CURRENT = "record_not_current"
NAME_MISMATCH = "name_mismatch"


@dataclass(frozen=True)
class SourceAnswer:
    """A registry's answer for one holder: confirmed with the facts the proof states
    (keyed by the proof type's field names, text), or not, with a reason code."""

    confirmed: bool
    facts: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    #: The GB/T 2260 (or township) code where the facts lie: the issuer must cover it.
    region_code: str = ""
    #: The registry's own record reference, for the audit trail.
    reference: str = ""


class SourceUnavailable(Exception):
    """The registry could not answer (down, timed out, not configured)."""


class ProofSource(Protocol):
    """One registry that confirms the facts of a kind of proof."""

    def lookup(self, holder: HolderRef, on: date) -> SourceAnswer: ...


@cache
def _records(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class _LocalRegistry:
    """Reads the demo dataset; never in production (it holds no real person's data)."""

    section = ""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(
            path or getattr(settings, "YIWANG_PROOF_RECORDS_FILE", "") or DEFAULT_RECORDS_FILE
        )

    def _entry(self, holder: HolderRef) -> Any:
        if getattr(settings, "ENV", "demo") == "production":
            raise SourceUnavailable("the demo registry does not answer in production")
        try:
            return _records(self.path).get(self.section, {}).get(holder.code)
        except (OSError, ValueError) as exc:
            raise SourceUnavailable(str(exc)) from exc


class LocalHouseholdRegistry(_LocalRegistry):
    """户籍和居住登记 (demo): the person's current registered address."""

    section = "household"

    def lookup(self, holder: HolderRef, on: date) -> SourceAnswer:
        row = self._entry(holder) if holder.kind == HolderKind.PERSON else None
        if not row:
            return SourceAnswer(False, reason=NO_RECORD)
        if row.get("name") and row["name"] != holder.name:
            return SourceAnswer(False, reason=NAME_MISMATCH, reference=str(row.get("record_no")))
        if row.get("status") != "current":
            return SourceAnswer(False, reason=NOT_CURRENT, reference=str(row.get("record_no")))
        facts = {
            name: str(row[name])
            for name in ("address", "registration", "registered_on", "police_station")
            if row.get(name)
        }
        return SourceAnswer(
            True,
            facts=facts,
            region_code=str(row.get("region", "")),
            reference=str(row.get("record_no", "")),
        )


class LocalPropertyRegistry(_LocalRegistry):
    """不动产登记簿 (demo): the rights registered to the holder, and their restrictions."""

    section = "property"

    def lookup(self, holder: HolderRef, on: date) -> SourceAnswer:
        rows = self._entry(holder) or []
        if not rows:
            return SourceAnswer(False, reason=NO_RECORD)
        listed = "；".join(
            f"{r['certificate_no']}，{r['location']}，{r['use']}，{r['area_m2']} 平方米，"
            f"{r['right_type']}，{r['co_ownership']}"
            for r in rows
        )
        restrictions = "；".join(x for r in rows for x in r.get("restrictions") or []) or "无"
        regions = {str(r.get("region", "")) for r in rows}
        return SourceAnswer(
            True,
            facts={
                "property_count": str(len(rows)),
                "properties": listed,
                "restrictions": restrictions,
                "queried_on": on.isoformat(),
            },
            # One region for the issuer check: the common prefix of the rights' regions.
            region_code=_common_prefix(regions),
            reference="、".join(str(r["unit_no"]) for r in rows),
        )


def _common_prefix(codes: set[str]) -> str:
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def source_for(name: str) -> ProofSource:
    """The configured source `name` (settings YIWANG_PROOF_SOURCES over the defaults)."""
    paths = {**DEFAULT_SOURCES, **(getattr(settings, "YIWANG_PROOF_SOURCES", None) or {})}
    if name not in paths:
        raise SourceUnavailable(f"no proof source named {name!r}")
    source: ProofSource = import_string(paths[name])()
    return source
