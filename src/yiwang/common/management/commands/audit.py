"""`yiwang audit verify` / `yiwang audit seal` / `yiwang audit anchor`.

verify: `ok <n> events`, exit 0; `broken at <id or chain head>: <why>`, exit 1 — a changed
event, a rewritten or truncated chain, a missing or forged checkpoint (decision 0016).
anchor: sign the current head once (a chain sealed before anchoring existed), after
verifying its links.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.common.audit import anchor_head, seal_pending, verify_chain


class Command(BaseCommand):
    help = "Seal pending audit events into the SM3 chain, or verify the chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal", "anchor"])
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify only what is already sealed, without sealing pending events first",
        )

    def handle(self, *args: Any, action: str, no_seal: bool, **options: Any) -> None:
        if action == "seal":
            self.stdout.write(f"sealed {seal_pending()} events")
            return
        if action == "anchor":
            self._anchor()
            return
        if not no_seal:
            seal_pending()
        result = verify_chain()
        if not result.ok:
            where = result.broken_at if result.broken_at is not None else "chain head"
            self.stdout.write(f"broken at {where}: {result.reason}")
            sys.exit(1)
        line = f"ok {result.sealed} events"
        if result.unsealed:
            line += f" ({result.unsealed} not yet sealed)"
        if result.unanchored:
            line += f" ({result.unanchored} after the last signed checkpoint)"
        self.stdout.write(line)

    def _anchor(self) -> None:
        from yiwang.common.anchoring import checkpoint_store

        store = checkpoint_store()
        if store.last() is not None:
            self.stdout.write("invalid: the store already holds checkpoints; verify instead")
            sys.exit(1)
        # Links only: there is nothing signed to compare with yet.
        result = verify_chain(anchored=False)
        if not result.ok:
            where = result.broken_at if result.broken_at is not None else "chain head"
            self.stdout.write(f"broken at {where}: {result.reason}")
            sys.exit(1)
        anchor_head()
        self.stdout.write(f"anchored {result.sealed} events in {store.describe()}")
