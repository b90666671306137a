"""`yiwang seed demo`: the Jilin demo data (idempotent: a second run creates nothing)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.common.errors import DomainError
from yiwang.portal.demo import seed_demo


class Command(BaseCommand):
    help = "Seed the demo data: calendar, Jilin's regions, halls and departments, demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=["demo"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = seed_demo(self.stdout.write)
        except DomainError as exc:
            self.stdout.write(f"invalid: {exc.detail}")
            sys.exit(1)
        self.stdout.write(f"created {created}" if created else "nothing to create: already seeded")
