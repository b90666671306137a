"""Test settings: the production module, with the test environment and a throwaway data dir."""

import os
import tempfile

os.environ["YIWANG_ENV"] = "test"
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-test-"))
os.environ.setdefault("YIWANG_SECRET_KEY", "test-only-not-secret")

from yiwang.settings import *  # noqa: E402, F403
