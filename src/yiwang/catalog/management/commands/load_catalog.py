"""`yiwang load_catalog [--file PATH]`: load or update the service item catalog."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.accounts.actor import Actor
from yiwang.catalog.services import DEFAULT_DATA_FILE, load_catalog_data
from yiwang.common.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Load delivery methods and service items from a JSON data file (default: the Jilin "
        "demo catalog). Load the org data first. Checks the whole file before writing; "
        "idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", default=str(DEFAULT_DATA_FILE), help="the catalog JSON file to load"
        )
        parser.add_argument("--actor", default="seed", help="who the audit log names as the actor")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalog_data(options["file"], actor=Actor.system(options["actor"]))
        except ValidationFailed as exc:
            raise CommandError(f"invalid: {exc.detail}") from exc
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
        self.stdout.write(str(report))
