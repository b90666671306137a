"""`yiwang demo`: migrate, seed once, start the background worker and the web server."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from yiwang.accounts.selectors import demo_accounts
from yiwang.portal.demo import DEMO_PASSWORD, seed_demo


def _die_with_parent() -> None:
    """Linux: the worker gets SIGTERM if the demo process dies, however it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the demo: SQLite database under the data dir, seeded, web server and worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if settings.ENV == "production":
            self.stdout.write("invalid: the demo server is refused when YIWANG_ENV=production")
            sys.exit(1)
        self.stdout.write(f"data dir: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        seed_demo(lambda line: self.stdout.write(f"  {line}"))
        worker = subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", "yiwang.cli", "worker", "--queue-name", "*", "-v", "0"],
            preexec_fn=_die_with_parent,  # no threads started yet, so preexec_fn is safe
        )
        # SIGTERM (a service manager, a test) must stop the worker too, not orphan it.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        self.stdout.write("")
        self.stdout.write(f"一网 Yiwang demo: http://{shown_host}:{port}/")
        self.stdout.write(f"API docs:         http://{shown_host}:{port}/api/v1/docs")
        self.stdout.write(f"Admin:            http://{shown_host}:{port}/admin/")
        self.stdout.write(f"Accounts (password {DEMO_PASSWORD}):")
        for user in demo_accounts():
            self.stdout.write(f"  {user.username:<22} {user.display_name}")
        self.stdout.write("Press Ctrl+C to stop.")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
