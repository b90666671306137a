"""Masking of personal data (ARCHITECTURE: ID and phone numbers masked for all but
their owner and the handling staff; never written to logs)."""

from __future__ import annotations

import re

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(value: str) -> str:
    """`220102199001011234` -> `220102********1234`."""
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:6]}{'*' * 8}{value[-4:]}"


def mask_phone(value: str) -> str:
    """`13912345678` -> `139****5678`."""
    if len(value) != 11:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number that appears inside free text."""
    text = _ID_IN_TEXT.sub(r"\1********\2", text)
    return _PHONE_IN_TEXT.sub(r"\1****\2", text)
