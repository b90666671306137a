"""`yiwang seed_calendar`: enter the holiday notices 2004–2026 from chinesecalendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yiwang.common.audit import KernelActor
from yiwang.common.workdays import seed_from_chinesecalendar

#: The seed, as the audit log names it (the kernel imports no app: not accounts.Actor).
SEED = KernelActor("seed")


class Command(BaseCommand):
    help = (
        "Enter the State Council holiday notices of 2004–2026 (from chinesecalendar 1.11.0). "
        "Idempotent: years already published are left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = seed_from_chinesecalendar(actor=SEED)
        self.stdout.write(f"wrote {written} calendar days")
