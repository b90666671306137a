"""Reference records the automatic checks read, and the demo seed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from yiwang.cases.auto_rules import HK_MACAO_PERMIT
from yiwang.cases.models import ExitRestriction, TravelDocument
from yiwang.common.audit import record


@transaction.atomic
def record_travel_document(
    *, holder_id_number: str, kind: str, number: str, valid_until: date, actor: Any
) -> TravelDocument:
    """Enter or update an exit-entry document on record (until the adapter exists)."""
    doc, created = TravelDocument.objects.update_or_create(
        kind=kind,
        number=number,
        defaults={"holder_id_number": holder_id_number.upper(), "valid_until": valid_until},
    )
    record(
        "case.travel_document_recorded",
        doc,
        actor=actor,
        after={"kind": kind, "valid_until": valid_until, "created": created},
    )
    return doc


@transaction.atomic
def record_exit_restriction(
    *, holder_id_number: str, authority: str, since: date, until: date | None = None, actor: Any
) -> ExitRestriction:
    restriction = ExitRestriction.objects.create(
        holder_id_number=holder_id_number.upper(), authority=authority, since=since, until=until
    )
    record(
        "case.exit_restriction_recorded",
        restriction,
        actor=actor,
        after={"authority": authority, "since": since, "until": until},
    )
    return restriction


#: The demo citizen 张三's 往来港澳通行证 (a synthetic number), so the kiosk endorsement
#: of the demo is decided automatically.
DEMO_TRAVEL_DOCUMENTS = (
    {
        "holder_id_number": "220102198806151015",
        "kind": HK_MACAO_PERMIT,
        "number": "CA2610001",
        "valid_until": date(2034, 6, 30),
    },
)


def seed_demo_reference_data(*, actor: Any) -> int:
    """The reference records of the demo (idempotent); returns how many were created."""
    created = 0
    for entry in DEMO_TRAVEL_DOCUMENTS:
        if not TravelDocument.objects.filter(kind=entry["kind"], number=entry["number"]).exists():
            record_travel_document(**entry, actor=actor)  # type: ignore[arg-type]
            created += 1
    return created
