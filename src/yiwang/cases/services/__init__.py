"""The only writers of cases: submission, the transition engine, the sweeps.

Every write is one transaction that locks the case row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite runs IMMEDIATE transactions, which serialise writers), checks the
expected state against `cases.transitions.TRANSITIONS`, applies the change, and writes
inside the same transaction the timeline entry (CaseEvent), the audit event and the
applicant's message (notify outbox). A rolled-back change leaves none of them.

The modules: `submission` (POST /cases), `engine` + `effects` (every action),
`sweeps` (periodic), `reference` (the automatic checks' records, the demo seed).
Import from here; the split is internal.
"""

from yiwang.cases.services._common import SYSTEM_ACTOR, MaterialRef
from yiwang.cases.services.engine import perform_action
from yiwang.cases.services.reference import (
    record_exit_restriction,
    record_travel_document,
    seed_demo_cases,
    seed_demo_reference_data,
)
from yiwang.cases.services.submission import Submission, submit_case
from yiwang.cases.services.sweeps import (
    purge_idempotency_keys,
    recount_provisional_deadlines,
    sweep_deemed_acceptance,
)

__all__ = [
    "SYSTEM_ACTOR",
    "MaterialRef",
    "Submission",
    "perform_action",
    "purge_idempotency_keys",
    "record_exit_restriction",
    "record_travel_document",
    "recount_provisional_deadlines",
    "seed_demo_cases",
    "seed_demo_reference_data",
    "submit_case",
    "sweep_deemed_acceptance",
]
