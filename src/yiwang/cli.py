"""`yiwang` — a thin wrapper over Django's management commands.

`yiwang check id VALUE` etc. are ordinary management commands living in the apps;
`yiwang check` with anything else still runs Django's system checks.

Before a command that reads or writes the data runs, this entry checks once that the
database can be opened and has every migration applied; if not, it prints one line
saying what to run and exits 2 (decision 0014) — so no command, the project's or
Django's, shows a newcomer a traceback for an empty data dir.
"""

from __future__ import annotations

import os
import sys

#: Exit status of a command refused because the database is missing or not set up.
EXIT_NOT_SET_UP = 2

#: Commands that work without a migrated database: they set it up, inspect it, or never
#: touch it. Every other command (the project's too) is checked first. A project command
#: can also say so itself with a class attribute `requires_database = False`.
NO_DATABASE_COMMANDS = frozenset(
    {
        "help",
        "version",
        "check",
        "compilemessages",
        "makemessages",
        "collectstatic",
        "findstatic",
        "diffsettings",
        "makemigrations",
        "migrate",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "optimizemigration",
        "createcachetable",
        "inspectdb",
        "sqlflush",
        "sqlsequencereset",
        "startapp",
        "startproject",
        "sendtestemail",
        "shell",
        "dbshell",
        "test",
        "testserver",
        "export_openapi_schema",
        "demo",  # migrates first, then seeds
    }
)
_HELP_FLAGS = frozenset({"-h", "--help", "--version"})


def _requires_database(name: str) -> bool:
    from django.core.management import get_commands, load_command_class

    app = get_commands().get(name)
    if app is None or name in NO_DATABASE_COMMANDS:
        return False  # an unknown name: Django itself answers with its suggestion
    command = load_command_class(app, name)
    return bool(getattr(command, "requires_database", True))


def database_problem() -> str | None:
    """One line saying what is wrong with the default database and what to run, or None.

    Missing tables are found from the migration plan, not by trying a query, so a
    partly migrated database (an upgrade without `yiwang migrate`) is caught too.
    """
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        applied = executor.loader.applied_migrations
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"cannot open the database ({reason}): check YIWANG_DATABASE_URL, "
            "then run `yiwang migrate`"
        )
    finally:
        connection.close()
    if not plan:
        return None
    if not applied:
        return (
            "the database is not set up yet: run `yiwang migrate` "
            "(or `yiwang demo` for the demo with its sample data)"
        )
    return f"the database lacks {len(plan)} migrations: run `yiwang migrate`"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "yiwang"
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        # A production setting missing (secret key, audit key...): one line, no traceback.
        print(f"invalid: {exc}", file=sys.stderr)
        sys.exit(EXIT_NOT_SET_UP)
    name = args[1] if len(args) > 1 else "help"
    if not _HELP_FLAGS & set(args[2:]) and _requires_database(name):
        problem = database_problem()
        if problem is not None:
            print(f"invalid: {problem}", file=sys.stderr)
            sys.exit(EXIT_NOT_SET_UP)
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
