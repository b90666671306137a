"""`yiwang audit verify` / `yiwang audit seal`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.common.audit import seal_pending, verify_chain


class Command(BaseCommand):
    help = "Seal pending audit events into the SM3 chain, or verify the chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify only what is already sealed, without sealing pending events first",
        )

    def handle(self, *args: Any, action: str, no_seal: bool, **options: Any) -> None:
        if action == "seal":
            self.stdout.write(f"sealed {seal_pending()} events")
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
        self.stdout.write(line)
