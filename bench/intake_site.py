"""Settings for bench/intake.py: Yiwang as configured by the environment, with a URLconf
that adds the framework floor (bench/intake_urls.py)."""

from yiwang.settings import *  # noqa: F403

ROOT_URLCONF = "intake_urls"
DEBUG = False
