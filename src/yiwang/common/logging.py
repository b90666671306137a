"""Keep personal data out of logs: a filter installed on every handler in settings.LOGGING."""

from __future__ import annotations

import logging

from yiwang.common.personal import mask_text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
