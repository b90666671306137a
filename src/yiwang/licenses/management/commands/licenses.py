"""`yiwang licenses import FILE` / `sign` / `verify IDENTIFIER` / `status` — the bulk
import of the license library and its signing job (licenses.ingest, licenses.jobs;
decision 0021).

import: streams FILE (CSV with a header row, or JSON lines) in batches with a progress
bar, resumes after a crash, skips a file already imported, writes bad rows to
FILE.rejects.jsonl, and signs each batch before it commits, in one process per core
(`--no-sign` imports them unsigned, for `yiwang licenses sign` or the periodic task).
Prints one JSON line.
sign: signs every not-yet-signed license (resumable). verify: checks one stored license
offline against the published keys (`not_signed` while the job has not reached it).
status: how many licenses are signed and unsigned.

A bad command line or file prints `invalid: <reason>` and exits 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from yiwang.accounts.actor import Actor
from yiwang.common.errors import DomainError

USAGE = "yiwang licenses import FILE | sign | verify IDENTIFIER | status"
ACTIONS = ("import", "sign", "verify", "status")


class Command(BaseCommand):
    help = (
        "The license library's bulk import and signing job: "
        + USAGE
        + ". import streams a CSV or JSON lines file in batches (resumable, idempotent, bad "
        "rows to FILE.rejects.jsonl), signing each batch before it commits."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            sys.stdout.write(f"invalid: {message}\n")
            sys.exit(1)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", metavar="import|sign|verify|status")
        parser.add_argument("target", nargs="?", metavar="FILE|IDENTIFIER")
        parser.add_argument("--format", help="csv or jsonl (default: from the suffix)")
        parser.add_argument("--batch-size", type=int, help="rows per transaction and checkpoint")
        parser.add_argument("--rejects", help="where bad rows go (default FILE.rejects.jsonl)")
        parser.add_argument("--again", action="store_true", help="read an imported file again")
        parser.add_argument("--no-sign", action="store_true", help="import only; sign later")
        parser.add_argument("--processes", type=int, help="signing processes (default: cores)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        action, target = options["action"], options["target"]
        if action not in ACTIONS:
            self._invalid(f"unknown action {action!r}; {USAGE}")
        if action in ("import", "verify") and not target:
            self._invalid(f"{action} needs {'a FILE' if action == 'import' else 'an IDENTIFIER'}")
        if action in ("sign", "status") and target:
            self._invalid(f"{action} takes no argument; {USAGE}")
        for name in ("batch_size", "processes"):
            if options[name] is not None and options[name] < 1:
                self._invalid(f"--{name.replace('_', '-')} must be at least 1")
        try:
            getattr(self, f"_{action}")(target, options)
        except DomainError as exc:
            self._invalid(exc.detail)
        except OSError as exc:  # unreadable file, rejects file not writable
            self._invalid(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))

    def _invalid(self, reason: str) -> NoReturn:
        self.stdout.write(f"invalid: {reason}")
        sys.exit(1)

    def _import(self, target: str, options: dict[str, Any]) -> None:
        from yiwang.licenses.ingest import import_file

        report = import_file(
            target,
            actor=Actor.system("licenses-import"),
            fmt=options["format"],
            batch_size=options["batch_size"],
            rejects_path=options["rejects"],
            again=options["again"],
            progress=not options["quiet"],
            sign=not options["no_sign"],
            processes=options["processes"],
        )
        if report.already_imported:
            self.stdout.write(f"already imported (run {report.run_id}); --again to read it again")
            return
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))

    def _sign(self, target: str | None, options: dict[str, Any]) -> None:
        from yiwang.licenses.jobs import sign_in_processes

        report = sign_in_processes(
            actor=Actor.system("licenses-sign"),
            processes=options["processes"],
            batch_size=options["batch_size"] or 2000,
            progress=not options["quiet"],
        )
        self.stdout.write(json.dumps(report.as_dict()))
        if report.failed_processes:
            sys.exit(1)

    def _verify(self, target: str, options: dict[str, Any]) -> None:
        from yiwang.common.validators import check_license_id
        from yiwang.licenses.jobs import NOT_SIGNED, check_stored

        check_license_id(target)
        answer = check_stored(target)
        if answer is None:
            self._invalid("no license with this identifier in the library")
        if answer.result == NOT_SIGNED:
            self.stdout.write(
                "not signed yet: the signing job has not reached it (yiwang licenses sign)"
            )
            sys.exit(1)
        line = answer.result + (f" ({answer.reason})" if answer.reason else "")
        self.stdout.write(line)
        if answer.result != "valid":
            sys.exit(1)

    def _status(self, target: str | None, options: dict[str, Any]) -> None:
        from yiwang.licenses.models import License

        unsigned = License.objects.filter(signed_at__isnull=True).count()
        total = License.objects.count()
        self.stdout.write(
            json.dumps({"licenses": total, "signed": total - unsigned, "unsigned": unsigned})
        )
