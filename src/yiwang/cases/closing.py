"""What the applicant's closing message carries besides the case's own words.

When a case ends with a decision the applicant can rate (办结, 不予许可, 不予受理 —
国办发〔2019〕51号: every service may be rated), `tell_applicant` asks every registered
note maker for a line to append; the feedback app registers one that adds the signed
rating link (好差评). The registry lives here, below feedback, so that the case app
never imports the apps above it (decision 0023); it is the shape of
`catalog.results`. A note maker runs inside the case's transaction: what it writes
(the link's row) commits or rolls back with the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from yiwang.accounts.actor import Actor
from yiwang.cases.choices import CaseStatus

#: The end states whose message asks for a rating (the feedback app rates these).
RATEABLE_STATUSES = frozenset({CaseStatus.COMPLETED, CaseStatus.DENIED, CaseStatus.REFUSED})


@dataclass(frozen=True)
class ClosedCase:
    """The case being closed, as much of it as a note maker needs."""

    case_id: int
    case_no: str
    status: str
    applicant_id: int


#: Returns a line to append to the closing message ("" for none).
ClosingNote = Callable[[ClosedCase, Actor], str]

_notes: dict[str, ClosingNote] = {}


def register_closing_note(name: str, note: ClosingNote) -> None:
    """Register `note` under `name` (an app's label; once, from its AppConfig.ready)."""
    if name in _notes and _notes[name] is not note:
        raise ImproperlyConfigured(f"a closing note named {name!r} is registered already")
    _notes[name] = note


def closing_notes(closed: ClosedCase, *, actor: Actor) -> list[str]:
    """Every registered maker's line, in registration order (empty lines left out)."""
    return [line for note in _notes.values() if (line := note(closed, actor))]
