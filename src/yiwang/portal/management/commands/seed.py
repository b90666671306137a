"""`yiwang seed demo`: the Jilin demo data (idempotent: a second run creates nothing).

`yiwang seed history --cases N [--years 2] [--seed 1]`: case history to supervise, in
bulk (supervision.history, decision 0024): resumable, idempotent per seed, with a
progress bar; prints one JSON line with the rows per second reached."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from yiwang.common.errors import DomainError
from yiwang.portal.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Seed the demo data (calendar, Jilin's regions, halls and departments, demo "
        "accounts) or case history to supervise (history --cases N)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            sys.stdout.write(f"invalid: {message}\n")
            sys.exit(1)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=["demo", "history"])
        parser.add_argument("--cases", type=int, help="history: how many cases in all")
        parser.add_argument("--years", type=int, default=2, help="history: years back")
        parser.add_argument("--seed", type=int, default=1, help="history: random seed")
        parser.add_argument("--batch-size", type=int, default=5000, help="history: cases per batch")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dataset"] == "history":
            self._history(options)
            return
        try:
            created = seed_demo(self.stdout.write)
        except DomainError as exc:
            self.stdout.write(f"invalid: {exc.detail}")
            sys.exit(1)
        self.stdout.write(f"created {created}" if created else "nothing to create: already seeded")

    def _history(self, options: dict[str, Any]) -> None:
        from yiwang.supervision.history import seed_history

        cases = options["cases"]
        if cases is None or cases < 0:
            self.stdout.write("invalid: history needs --cases N (N ≥ 0)")
            sys.exit(1)
        for name in ("years", "batch_size"):
            if options[name] < 1:
                self.stdout.write(f"invalid: --{name.replace('_', '-')} must be at least 1")
                sys.exit(1)
        try:
            report = seed_history(
                cases,
                years=options["years"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=not options["quiet"],
            )
        except DomainError as exc:
            self.stdout.write(f"invalid: {exc.detail}")
            sys.exit(1)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
