"""WhiteNoise that lists the static files once per test process.

The production middleware scans every app's static files when it is built — once per
server process. Django's test client builds the middleware chain anew for every `Client`,
so the suite rescanned ~190 files (and built their headers) ~1,500 times: 13 % of the
CPU of the request-heavy test directories (cProfile, decision 0012). The files do not
change during a run; this subclass reuses the first scan, and serves exactly the same.
"""

from __future__ import annotations

from typing import Any

from whitenoise.middleware import WhiteNoiseMiddleware

_FIRST_SCAN: dict[str, dict[str, Any]] = {}


class WhiteNoiseScannedOnce(WhiteNoiseMiddleware):
    def add_files_from_finders(self) -> None:
        scanned = _FIRST_SCAN.get(self.static_prefix)
        if scanned is None:
            super().add_files_from_finders()
            _FIRST_SCAN[self.static_prefix] = dict(self.files)
        else:
            self.files.update(scanned)
