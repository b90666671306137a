"""The logging filter keeps ID and phone numbers out of every part of a log line."""

from __future__ import annotations

import logging
import sys

from django.conf import settings

from yiwang.common.logging import MaskPersonalData

ID, PHONE = "220102198806151015", "13804310001"


def _record_with_traceback() -> logging.LogRecord:
    try:
        # What PostgreSQL says about a unique ID number, quoted by the exception.
        raise ValueError(f"Key (id_number)=({ID}) already exists; phone {PHONE}")
    except ValueError:
        return logging.LogRecord(
            "yiwang.api.main",
            logging.ERROR,
            __file__,
            1,
            "unhandled error in %s %s",
            ("POST", "/api/v1/cases"),
            sys.exc_info(),
        )


def test_the_traceback_of_logger_exception_is_masked_too() -> None:
    record = _record_with_traceback()
    assert MaskPersonalData().filter(record)
    line = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)
    assert "ValueError: Key (id_number)=(220102********1015) already exists" in line
    assert "138****0001" in line
    assert ID not in line
    assert PHONE not in line


def test_the_filter_is_on_every_configured_handler() -> None:
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal" in handler.get("filters", []), name
