"""The access table of the API: for every operation (`METHOD /path` as the OpenAPI
document names it, without /api/v1), who is allowed and what everyone else is told.

Keys of a rule: `allowed` maps a demo account (or EVERYONE signed in) to its answer;
`denied` is the answer of every other signed-in account — 403 with a code when the
action is refused, 404 when the object is hidden (it must look exactly missing);
`anonymous` is the answer without a token; `special` lists accounts whose answer is
neither (an administrator who sees a record but may not change it, for instance).
A new app adds its routes here; tests/api/test_access_walk.py fails until it does.
The walk's requests (bodies, which objects) are in the walk itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yiwang.accounts

ANONYMOUS = "(no token)"
EVERYONE = "*"
#: Every demo account of the seed: a new one must appear in the table where it is allowed.
DEMO_ACCOUNTS = [
    a["username"]
    for a in json.loads(
        (Path(yiwang.accounts.__file__).parent / "data" / "demo_accounts.json").read_text(
            encoding="utf-8"
        )
    )["accounts"]
]

Answer = tuple[int, str | None]
NO_TOKEN: Answer = (401, "not_authenticated")


@dataclass(frozen=True)
class Rule:
    allowed: dict[str, int]
    denied: Answer | None = None
    anonymous: Answer | int = NO_TOKEN
    special: dict[str, Answer] = field(default_factory=dict)


def expected(rule: Rule, role: str) -> Answer:
    if role == ANONYMOUS:
        return rule.anonymous if isinstance(rule.anonymous, tuple) else (rule.anonymous, None)
    if role in rule.special:
        return rule.special[role]
    if role in rule.allowed:
        return rule.allowed[role], None
    if EVERYONE in rule.allowed:
        return rule.allowed[EVERYONE], None
    assert rule.denied is not None, f"{role} is neither allowed nor denied"
    return rule.denied


PUBLIC_200 = Rule(allowed={EVERYONE: 200}, anonymous=200)
SIGNED_IN_200 = Rule(allowed={EVERYONE: 200})
SEES_NANGUAN = (
    "citizen",
    "clerk-nanguan",
    "reviewer-nanguan",
    "supervisor-jilin",
    "supervisor-changchun",
    "admin",
)
SUPERVISORS = ("supervisor-jilin", "supervisor-changchun", "admin")
CASE_HIDDEN: Answer = (404, "case_not_found")
CREDIT_STAFF: Answer = (403, "credit_staff_only")
ENTERPRISE_ONLY: Answer = (403, "enterprise_only")
NOT_AUTHORITY: Answer = (403, "not_list_authority")
NOT_ISSUER: Answer = (403, "not_license_issuer")
LICENSE_HIDDEN: Answer = (404, "license_not_found")
#: The walk's license: the citizen's permit from 吉林省交通运输厅, whose license manager
#: (reviewer-jilin-transport) sees and changes it.
SEES_LICENSE = ("citizen", "reviewer-jilin-transport", "admin")
PROJECT_HIDDEN: Answer = (404, "project_not_found")
#: The walk's project: the demo enterprise's filed 备案 project in 南关区.
SEES_PROJECT = ("enterprise", "lead-changchun-drc", "admin")

OPERATIONS: dict[str, Rule] = {
    # accounts: anyone may try to sign in (the walk's wrong password is refused alike)
    "POST /auth/login": Rule(
        allowed={}, denied=(401, "invalid_credentials"), anonymous=(401, "invalid_credentials")
    ),
    "GET /auth/me": SIGNED_IN_200,
    "POST /auth/logout": Rule(allowed={EVERYONE: 204}),
    # catalog: public
    "GET /items": PUBLIC_200,
    "GET /items/{code}": PUBLIC_200,
    # uploads: anyone signed in stores; a file is its owner's, hidden from everyone else
    "POST /uploads": Rule(allowed={EVERYONE: 201}),
    "GET /uploads/{upload_id}": Rule(allowed={"citizen": 200}, denied=(404, "not_found")),
    # cases (the walk's application has no materials: allowed to apply, incomplete)
    "POST /cases": Rule(
        allowed={"citizen": 422, "enterprise": 422},
        denied=(403, "staff_cannot_apply"),
        special=dict.fromkeys(("citizen", "enterprise"), (422, "materials_missing")),
    ),
    "GET /cases": SIGNED_IN_200,
    "GET /cases/{case_no}": Rule(allowed=dict.fromkeys(SEES_NANGUAN, 200), denied=CASE_HIDDEN),
    "GET /cases/{case_no}/materials/{material_id}": Rule(
        allowed={"citizen": 200, "clerk-nanguan": 200, "reviewer-nanguan": 200},
        denied=CASE_HIDDEN,
        special=dict.fromkeys(
            ("supervisor-jilin", "supervisor-changchun", "admin"), (403, "materials_not_allowed")
        ),
    ),
    "POST /cases/{case_no}/actions": Rule(
        allowed={"clerk-nanguan": 200},
        denied=CASE_HIDDEN,
        special=dict.fromkeys(
            ("citizen", "reviewer-nanguan", "supervisor-jilin", "supervisor-changchun", "admin"),
            (403, "action_not_allowed"),
        ),
    ),
    # 好差评 (feedback): the walk's case is not ended yet; staff never rate
    "POST /cases/{case_no}/evaluation": Rule(
        allowed={},
        denied=(403, "staff_cannot_rate"),
        special={
            "citizen": (409, "case_not_rateable"),
            "enterprise": CASE_HIDDEN,
        },
    ),
    "GET /supervision/rectifications": SIGNED_IN_200,
    "GET /public/cases/{case_no}": PUBLIC_200,  # with the query code
    # credit, public (the walk's query is one character: refused alike, never 401)
    "GET /public/enterprises": Rule(
        allowed={}, denied=(400, "query_too_short"), anonymous=(400, "query_too_short")
    ),
    "GET /public/enterprises/{uscc}": PUBLIC_200,
    # credit, staff: the market regulator publishes and lists; the administrator reads
    "GET /credit/enterprises/{uscc}": Rule(
        allowed={"admin": 200, "publisher-jilin-market": 200}, denied=CREDIT_STAFF
    ),
    "POST /credit/enterprises/{uscc}/disclosures": Rule(
        allowed={"admin": 201, "publisher-jilin-market": 201}, denied=CREDIT_STAFF
    ),
    "POST /credit/disclosures/{disclosure_id}/corrections": Rule(
        allowed={"publisher-jilin-market": 200},
        denied=CREDIT_STAFF,
        special={"admin": (404, "disclosure_not_found")},  # another authority's record
    ),
    "POST /credit/disclosures/{disclosure_id}/withdrawal": Rule(
        allowed={"publisher-jilin-market": 200},
        denied=CREDIT_STAFF,
        special={"admin": (404, "disclosure_not_found")},
    ),
    # (the walk's enterprise is listed already: the authority is told so)
    "POST /credit/enterprises/{uscc}/list-entries": Rule(
        allowed={"publisher-jilin-market": 409},
        denied=CREDIT_STAFF,
        special={"admin": NOT_AUTHORITY, "publisher-jilin-market": (409, "already_listed")},
    ),
    "POST /credit/list-entries/{entry_id}/removal": Rule(
        allowed={"publisher-jilin-market": 200},
        denied=CREDIT_STAFF,
        special={"admin": NOT_AUTHORITY},
    ),
    # (the walk reverses the listing event of an entry it has just removed: the removal
    # must be reversed first)
    "POST /credit/list-events/{event_id}/reversal": Rule(
        allowed={"publisher-jilin-market": 409},
        denied=CREDIT_STAFF,
        special={
            "admin": NOT_AUTHORITY,
            "publisher-jilin-market": (409, "later_events_first"),
        },
    ),
    "GET /credit/removal-applications": Rule(
        allowed={"publisher-jilin-market": 200}, denied=NOT_AUTHORITY
    ),
    # (an unknown application: looks missing to everyone)
    "POST /credit/removal-applications/{application_id}/decision": Rule(
        allowed={}, denied=(404, "application_not_found")
    ),
    # credit, the enterprise's own (it has filed no report for last year yet)
    "GET /enterprise/credit": Rule(allowed={"enterprise": 200}, denied=ENTERPRISE_ONLY),
    "GET /enterprise/annual-reports/{year}": Rule(
        allowed={}, denied=ENTERPRISE_ONLY, special={"enterprise": (404, "report_not_found")}
    ),
    "PUT /enterprise/annual-reports/{year}": Rule(
        allowed={}, denied=ENTERPRISE_ONLY, special={"enterprise": (404, "report_not_found")}
    ),
    "POST /enterprise/annual-reports": Rule(allowed={"enterprise": 201}, denied=ENTERPRISE_ONLY),
    "POST /enterprise/immediate-info": Rule(allowed={"enterprise": 201}, denied=ENTERPRISE_ONLY),
    "POST /enterprise/list-entries/{entry_id}/removal-application": Rule(
        allowed={"enterprise": 201}, denied=ENTERPRISE_ONLY
    ),
    # licenses: keys and verification are public; the holder and the issuer see a license
    "GET /licenses/keys": PUBLIC_200,
    "POST /licenses/verify": PUBLIC_200,
    "GET /licenses/changes": Rule(allowed={"admin": 200}, denied=(403, "exchange_clients_only")),
    "GET /licenses": SIGNED_IN_200,
    "POST /licenses": Rule(allowed={"reviewer-jilin-transport": 201}, denied=NOT_ISSUER),
    "GET /licenses/{identifier}": Rule(
        allowed=dict.fromkeys(SEES_LICENSE, 200), denied=LICENSE_HIDDEN
    ),
    "GET /licenses/{identifier}/qr": Rule(
        allowed=dict.fromkeys(SEES_LICENSE, 200), denied=LICENSE_HIDDEN
    ),
    "GET /licenses/{identifier}/verifications": Rule(
        allowed=dict.fromkeys(SEES_LICENSE, 200), denied=LICENSE_HIDDEN
    ),
    # the printable A4 copy: the holder and the issuer's staff (others: as if missing)
    "GET /licenses/{identifier}/pdf": Rule(
        allowed=dict.fromkeys(SEES_LICENSE, 200), denied=LICENSE_HIDDEN
    ),
    # (in the walk's order: reinstate a valid license, revoke it, suspend and change the
    # revoked one — the issuer is told what the state allows, everyone else is refused)
    "POST /licenses/{identifier}/reinstate": Rule(
        allowed={},
        denied=NOT_ISSUER,
        special={"reviewer-jilin-transport": (409, "invalid_license_transition")},
    ),
    "POST /licenses/{identifier}/revoke": Rule(
        allowed={"reviewer-jilin-transport": 200}, denied=NOT_ISSUER
    ),
    "POST /licenses/{identifier}/suspend": Rule(
        allowed={},
        denied=NOT_ISSUER,
        special={"reviewer-jilin-transport": (409, "invalid_license_transition")},
    ),
    "POST /licenses/{identifier}/versions": Rule(
        allowed={},
        denied=NOT_ISSUER,
        special={"reviewer-jilin-transport": (409, "license_not_current")},
    ),
    # investment projects: an enterprise registers; a project is its owner's, its competent
    # department's (the walk's 备案 project of 南关区: 长春市发改委) and the administrator's
    # to read, and only its owner's to file, change or cancel (in the walk's order: file
    # the filed project, change it, cancel it)
    "GET /projects": SIGNED_IN_200,
    "POST /projects": Rule(allowed={"enterprise": 201}, denied=(403, "enterprises_only")),
    "GET /projects/{project_code}": Rule(
        allowed=dict.fromkeys(SEES_PROJECT, 200), denied=PROJECT_HIDDEN
    ),
    "POST /projects/{project_code}/filing": Rule(
        allowed={}, denied=PROJECT_HIDDEN, special={"enterprise": (409, "project_not_registered")}
    ),
    "POST /projects/{project_code}/filing/change": Rule(
        allowed={"enterprise": 200}, denied=PROJECT_HIDDEN
    ),
    "POST /projects/{project_code}/filing/cancel": Rule(
        allowed={"enterprise": 200}, denied=PROJECT_HIDDEN
    ),
    # online proofs: the kinds are public; a person asks for their own proof (the walk
    # asks for a 居住证明, which only a person holds — an enterprise is told so)
    "GET /proofs": PUBLIC_200,
    # supervision (issue 12): the monitor for supervisors, the star levels for everyone
    "GET /supervision/overview": Rule(
        allowed=dict.fromkeys(SUPERVISORS, 200), denied=(403, "not_a_supervisor")
    ),
    "GET /supervision/cases": Rule(
        allowed=dict.fromkeys(SUPERVISORS, 200), denied=(403, "not_a_supervisor")
    ),
    "GET /public/stars": PUBLIC_200,
    # nothing published in the walk's database: every caller, signed in or not, is told so
    "GET /public/rankings": Rule(allowed={EVERYONE: 404}, anonymous=404),
    "POST /proofs": Rule(
        allowed={"citizen": 201},
        denied=(403, "proofs_for_applicants"),
        special={"enterprise": (422, "proof_not_for_holder")},
    ),
    # notify: a message is its recipient's
    "GET /messages": SIGNED_IN_200,
    "POST /messages/{message_id}/read": Rule(allowed={"citizen": 200}, denied=(404, "not_found")),
    # supervision statistics (decision 0024): supervisors within their regions
    "GET /supervision/statistics": Rule(
        allowed=dict.fromkeys(SUPERVISORS, 200), denied=(403, "not_a_supervisor")
    ),
}
