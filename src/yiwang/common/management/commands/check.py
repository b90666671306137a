"""`yiwang check`: Django's system checks, plus identifier validation.

`yiwang check id|uscc|license-id|project-code VALUE` prints `valid` (exit 0) or
`invalid: <reason>` (exit 1) — never a traceback, whatever VALUE holds.
Anything else (`yiwang check`, `yiwang check --deploy`, `yiwang check APP`) is
Django's own `check` command, unchanged.

The branch happens in `run_from_argv`, before argparse sees VALUE, so values
such as `-5` or `--deploy` are validated, not parsed as options; `handle`
branches too, so `call_command("check", "id", VALUE)` behaves the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from django.core.management.commands.check import Command as SystemCheckCommand

from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import (
    check_id_number,
    check_license_id,
    check_project_code,
    check_uscc,
)

# Citizen-facing semantics: `uscc` gets no allow-list of pilot codes.
VALIDATORS: dict[str, Callable[[str], str]] = {
    "id": check_id_number,
    "uscc": check_uscc,
    "license-id": check_license_id,
    "project-code": check_project_code,
}


class Command(SystemCheckCommand):
    help = (
        SystemCheckCommand.help
        + " With `id|uscc|license-id|project-code VALUE` instead, validates VALUE"
        " and prints `valid` or `invalid: <reason>` (exit status 1)."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [program, "check", *args].
        if len(argv) > 2 and argv[2] in VALIDATORS:
            self._validate(argv[2], argv[3:])
            return
        super().run_from_argv(argv)

    # `Any`: django-stubs types the labels as `list[str]` each; they are `str`.
    def handle(self, *app_labels: Any, **options: Any) -> None:
        if app_labels and app_labels[0] in VALIDATORS:
            self._validate(str(app_labels[0]), [str(label) for label in app_labels[1:]])
            return
        super().handle(*app_labels, **options)

    def _validate(self, kind: str, values: Sequence[str]) -> None:
        if not values:
            self._fail("missing value")
        if len(values) > 1:
            self._fail(f"expected one value, got {len(values)} (quote values with spaces)")
        try:
            VALIDATORS[kind](values[0])
        except ValidationFailed as exc:
            self._fail(exc.detail)
        self.stdout.write("valid")

    def _fail(self, reason: str) -> NoReturn:
        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        self.stdout.write(f"invalid: {_printable(reason, encoding)}")
        self.stdout.flush()
        raise SystemExit(1)


def _printable(text: str, encoding: str) -> str:
    """`text` as an output stream in `encoding` can take it.

    Reasons quote the offending character, which may lie outside a non-UTF-8
    stdout encoding (or be a lone surrogate from undecodable argv bytes);
    writing it would end in a UnicodeEncodeError traceback.
    """
    return text.encode(encoding, "backslashreplace").decode(encoding)
