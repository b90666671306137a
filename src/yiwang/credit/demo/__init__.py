"""Demo data: the synthetic Jilin registry (`synthetic`) and the demo seed built on
it (`seed`), written through `credit.ingest` and `credit.services`. Nothing in the
domain imports it; tests, benchmarks and `yiwang demo` do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yiwang.accounts.actor import Actor


def seed_demo_credit(*, actor: Actor) -> int:
    """A few thousand Jilin market entities with disclosures, annual reports and the
    lists, plus the demo `enterprise` account's registry entry; idempotent (a second
    run creates nothing). Returns how many records it created. See `seed`."""
    # Imported here so that `credit.demo.synthetic` stays importable without Django.
    from yiwang.credit.demo.seed import seed

    return seed(actor=actor)
