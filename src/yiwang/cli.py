"""`yiwang` — a thin wrapper over Django's management commands.

`yiwang check id VALUE` etc. are ordinary management commands living in the apps;
`yiwang check` with anything else still runs Django's system checks.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "yiwang"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
