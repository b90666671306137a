"""Test settings: the production module, with the test environment and a throwaway data dir."""

import os
import tempfile

os.environ["YIWANG_ENV"] = "test"
if os.environ.get("PYTEST_XDIST_WORKER") or "YIWANG_DATA_DIR" not in os.environ:
    # Each pytest-xdist worker its own data dir: tests count the files they stored.
    os.environ["YIWANG_DATA_DIR"] = tempfile.mkdtemp(prefix="yiwang-test-")
os.environ.setdefault("YIWANG_SECRET_KEY", "test-only-not-secret")

from yiwang.settings import *  # noqa: F403

# A file, not shared-cache memory, so tests with threads see SQLite's real locking (WAL,
# IMMEDIATE transactions, busy timeout) as the demo does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]

# Every sealing run anchors (tests count checkpoints); each test's checkpoints are
# removed after it (conftest), as its database is.
YIWANG_AUDIT_ANCHOR_SECONDS = 0
YIWANG_AUDIT_CHECKPOINT_DIR = DATA_DIR / "checkpoints"  # noqa: F405

# The same static files, listed once per process rather than once per test client.
MIDDLEWARE = [
    "tests.static_files.WhiteNoiseScannedOnce"
    if entry == "whitenoise.middleware.WhiteNoiseMiddleware"
    else entry
    for entry in MIDDLEWARE  # noqa: F405
]
