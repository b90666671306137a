"""Channel adapters for the dispatcher tests (configured by dotted path in settings)."""

from __future__ import annotations

from typing import Any


class ExplodingChannel:
    """An adapter with a bug: raises something that is not a ChannelError, with personal
    data in the exception text."""

    def __init__(self, *, code: str) -> None:
        self.code = code

    def send(self, message: Any, delivery: Any) -> str:
        raise RuntimeError("cannot text 13804310001 today")


class NotAChannel:
    def __init__(self, *, code: str) -> None:
        self.code = code
