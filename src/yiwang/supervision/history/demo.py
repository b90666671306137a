"""The demo's history: a few thousand cases of the past year, so that the statistics,
charts and monitor are full on first start (`yiwang seed demo`, idempotent: the
history's checkpoint makes a second run add nothing)."""

from __future__ import annotations

from yiwang.accounts.actor import Actor
from yiwang.supervision.history.run import seed_history

#: Cases of demo history, and the seed they are drawn with.
DEMO_HISTORY_CASES = 3000
DEMO_HISTORY_SEED = 2026


def seed_demo_history(*, actor: Actor) -> int:
    """Write the demo history; returns how many cases were created (0 on a rerun).
    `actor` is the demo seed's; the history's own batches are audited as
    `history-seed`."""
    del actor  # the bulk path records its batches as the history seed
    report = seed_history(
        DEMO_HISTORY_CASES, years=1, seed=DEMO_HISTORY_SEED, batch_size=1000, progress=False
    )
    return report.created
