"""`yiwang workdays add DATE N` / `yiwang workdays count A B` (interfaces.md).

Bad input prints `invalid: <reason>` on stdout and exits 1 — never a traceback.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from yiwang.common import workdays
from yiwang.common.errors import DomainError

USAGE = "usage: yiwang workdays add DATE N | yiwang workdays count A B (dates as YYYY-MM-DD)"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")


class InvalidInputError(Exception):
    pass


def _date(text: str) -> date:
    # Strictly YYYY-MM-DD: Python 3.11's fromisoformat also takes 20260928 or 2026-W40-1.
    if not _ISO_DATE.fullmatch(text):
        raise InvalidInputError(f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"not a date: {text!r} ({exc})") from exc


def _count(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise InvalidInputError(f"N is not an integer: {text!r}")
    n = int(text)
    if n < 0:
        raise InvalidInputError(f"N must not be negative: {n}")
    return n


class Command(BaseCommand):
    help = "Working days (行政许可法 Art. 82; the start day is not counted). " + USAGE

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            sys.stdout.write(f"invalid: {message}\n")
            sys.exit(1)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        # Checked by hand in handle(), so that every mistake gets the same `invalid:` answer.
        parser.add_argument("words", nargs="*", metavar="add DATE N | count A B")

    def handle(self, *args: Any, words: list[str], **options: Any) -> None:
        try:
            self.stdout.write(self._answer(words))
        except InvalidInputError as exc:
            self._invalid(str(exc))
        except DomainError as exc:
            self._invalid(exc.detail)

    def _invalid(self, reason: str) -> NoReturn:
        self.stdout.write(f"invalid: {reason}")
        sys.exit(1)

    def _answer(self, words: list[str]) -> str:
        if not words or words[0] not in {"add", "count"}:
            raise InvalidInputError(f"expected add or count; {USAGE}")
        if len(words) != 3:
            raise InvalidInputError(f"{words[0]} takes two arguments; {USAGE}")
        if words[0] == "add":
            result = workdays.add(_date(words[1]), _count(words[2]))
            text = result.value.isoformat()
            provisional = result.provisional
        else:
            counted = workdays.count(_date(words[1]), _date(words[2]))
            text, provisional = str(counted.value), counted.provisional
        return f"{text} provisional" if provisional else text
