"""`yiwang rankings publish --month YYYY-MM [--kind department|region]` and
`yiwang rankings revise --month YYYY-MM --reason TEXT [--kind …]` — the monthly ranking
by hand (supervision.rankings): the periodic job publishes last month on the
publication day by itself; this is for a month it missed and for a correction, which is
a new, visible revision. Without --kind, both kinds. Prints one JSON line per ranking.

A bad command line prints `invalid: <reason>` and exits 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from yiwang.accounts.actor import Actor
from yiwang.common.errors import DomainError
from yiwang.supervision import rankings
from yiwang.supervision.choices import RankingKind

#: The audit log's actor for a ranking published from the command line.
OPERATOR = Actor.system("rankings-cli")


class Command(BaseCommand):
    help = "Publish a month's ranking, or a corrected revision of it (--reason)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> NoReturn:
            sys.stdout.write(f"invalid: {message}\n")
            sys.exit(1)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["publish", "revise"])
        parser.add_argument("--month", required=True, help="YYYY-MM, a finished month")
        parser.add_argument("--kind", choices=RankingKind.values, help="default: both")
        parser.add_argument("--reason", default="", help="revise: why (shown in public)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = rankings.parse_month(options["month"])
            assert month is not None  # required=True
            for kind in [options["kind"]] if options["kind"] else RankingKind.values:
                if options["action"] == "publish":
                    ranking = rankings.publish_ranking(month, kind, actor=OPERATOR)
                else:
                    ranking = rankings.revise_ranking(
                        month, kind, reason=options["reason"], actor=OPERATOR
                    )
                self.stdout.write(
                    json.dumps(
                        {
                            "month": f"{ranking.month:%Y-%m}",
                            "kind": ranking.kind,
                            "revision": ranking.revision,
                            "entries": ranking.entries.count(),
                            "ranked": ranking.entries.filter(rank__isnull=False).count(),
                        }
                    )
                )
        except DomainError as exc:
            self.stdout.write(f"invalid: {exc.detail}")
            sys.exit(1)
