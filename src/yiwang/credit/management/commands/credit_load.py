"""`yiwang credit_load FILE`: bulk-load registry or disclosure records (credit.ingest.loader)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.accounts.actor import Actor
from yiwang.common.errors import DomainError
from yiwang.credit.choices import LoadKind
from yiwang.credit.ingest.loader import load_file


class Command(BaseCommand):
    help = (
        "Load market entities (CSV with a header row, or JSON lines) into the credit "
        "registry, or departments' disclosures with --kind disclosures. Streams in "
        "batches, resumes after a crash, skips a file already loaded, upserts by USCC "
        "(disclosures: department + source_ref), writes bad rows to FILE.rejects.jsonl."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", choices=LoadKind.values, default=LoadKind.ENTERPRISES)
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the suffix")
        parser.add_argument("--batch-size", type=int, help="rows per transaction and checkpoint")
        parser.add_argument("--rejects", help="where bad rows go (default FILE.rejects.jsonl)")
        parser.add_argument(
            "--again", action="store_true", help="read a file already loaded once more"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_file(
                options["file"],
                kind=options["kind"],
                actor=Actor.system("credit_load"),
                fmt=options["format"],
                batch_size=options["batch_size"],
                rejects_path=options["rejects"],
                again=options["again"],
                progress=not options["quiet"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {exc.filename}") from None
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if report.already_loaded:
            self.stdout.write(f"already loaded (run {report.run_id}); --again to read it again")
            return
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
