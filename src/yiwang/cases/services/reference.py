"""Reference records the automatic checks read, and the demo seed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from yiwang.accounts.actor import Actor
from yiwang.cases.auto_rules import HK_MACAO_PERMIT
from yiwang.cases.models import Case, ExitRestriction, TravelDocument
from yiwang.cases.services._common import MaterialRef
from yiwang.cases.services.engine import perform_action
from yiwang.cases.services.submission import submit_case
from yiwang.catalog.selectors import get_active_item
from yiwang.common.audit import record
from yiwang.uploads.services import store_upload


@transaction.atomic
def record_travel_document(
    *, holder_id_number: str, kind: str, number: str, valid_until: date, actor: Actor
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
    *, holder_id_number: str, authority: str, since: date, until: date | None = None, actor: Actor
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


def seed_demo_reference_data(*, actor: Actor) -> int:
    """The reference records of the demo (idempotent); returns how many were created."""
    created = 0
    for entry in DEMO_TRAVEL_DOCUMENTS:
        if not TravelDocument.objects.filter(kind=entry["kind"], number=entry["number"]).exists():
            record_travel_document(**entry, actor=actor)  # type: ignore[arg-type]
            created += 1
    return created


#: A minimal PDF standing in for the scanned materials of the demo cases.
_DEMO_PDF = b"%PDF-1.4\n% Yiwang demo material\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

#: The demo's cases, so that the workbench and the citizen centre are not empty:
#: (who applies, item, form, extra submission fields, [(who acts, action, params)]).
DEMO_CASES: tuple[
    tuple[str, str, dict[str, Any], dict[str, Any], list[tuple[str, str, dict[str, Any]]]], ...
] = (
    (
        "citizen",
        "220102-ZJ-XK-001",  # 临时占用城市道路审批: waiting at the 南关区 window
        {
            "purpose": "房屋装修",
            "location": "南关区人民大街 1 号",
            "area_m2": 12,
            "date_from": "2026-12-01",
            "date_to": "2026-12-10",
        },
        {},
        [],
    ),
    (
        "citizen",
        "220102-ZJ-XK-001",  # accepted and forwarded: waiting for the reviewer
        {
            "purpose": "搬家",
            "location": "南关区自由大路 88 号",
            "area_m2": 20,
            "date_from": "2026-12-05",
            "date_to": "2026-12-05",
        },
        {},
        [("clerk-nanguan", "accept", {}), ("clerk-nanguan", "forward", {})],
    ),
    (
        "citizen",
        "222424-LY-XK-001",  # 植物检疫证书核发: waiting at the 天桥岭镇 station
        {
            "product_name": "红松苗木",
            "quantity": "2000 株",
            "origin_place": "汪清县天桥岭镇",
            "destination": "延吉市",
            "transport_mode": "公路",
            "ship_date": "2026-12-15",
        },
        {"intake_region": "222424102"},
        [],
    ),
    (
        "citizen",
        "220100-GA-GG-001",  # 居住证明: decided automatically, completed
        {"purpose": "子女入学"},
        {},
        [],
    ),
)


def seed_demo_cases(*, actor: Actor) -> list[str]:
    """Create the demo cases through the same services the API uses; returns their
    numbers. Idempotent: nothing is created once the demo citizen has any case (or when
    the demo accounts do not exist)."""
    usernames = {entry[0] for entry in DEMO_CASES} | {
        step[0] for entry in DEMO_CASES for step in entry[4]
    }
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    if set(users) != usernames or Case.objects.filter(applicant=users["citizen"]).exists():
        return []
    created = []
    for username, item_code, form, extra, steps in DEMO_CASES:
        applicant = users[username]
        item = get_active_item(item_code)
        materials = []
        for material in item.materials.all():
            if material.required:
                upload = store_upload(
                    SimpleUploadedFile(f"{material.name}.pdf", _DEMO_PDF, "application/pdf"),
                    owner=applicant,
                )
                materials.append(MaterialRef(material.code, str(upload.pk)))
        submission = submit_case(
            actor=Actor.of(applicant), item_code=item_code, form=form, materials=materials, **extra
        )
        for who, action, params in steps:
            perform_action(submission.case.case_no, action, actor=Actor.of(users[who]), **params)
        created.append(submission.case.case_no)
    return created
