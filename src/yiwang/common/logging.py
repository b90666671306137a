"""Keep personal data out of logs: a filter installed on every handler in settings.LOGGING."""

from __future__ import annotations

import logging

from yiwang.common.personal import mask_text

_formatter = logging.Formatter()


class MaskPersonalData(logging.Filter):
    """Masks the message and the traceback: an exception's text carries the values it
    failed on (PostgreSQL's "Key (id_number)=(...) already exists", a ValueError
    quoting its input), and `logger.exception` writes it under the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters print a cached exc_text instead of formatting exc_info again.
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
