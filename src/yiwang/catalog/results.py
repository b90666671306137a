"""What an item's decision yields, made by the apps that make it (decision 0019).

The case workflow's `issue` action (制证, 行政许可法 Art. 44) calls `issue_results`
inside its transaction with a frozen `IssuedResult`; every registered issuer (the
license library registers one) makes what the item yields and returns references to
show (license identifiers). An issuer that raises fails the issue action: the case is
not issued without its license. The catalog sits below the case app and every app that
makes results, so neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from yiwang.accounts.actor import Actor


@dataclass(frozen=True)
class IssuedResult:
    """The case being issued, as much of it as a result maker needs."""

    case_id: int
    case_no: str
    item_id: int
    item_code: str
    department_id: int
    applicant_id: int
    form: Mapping[str, Any]
    result_text: str
    issued_at: datetime
    issued_on: date


#: Makes what the item yields; returns references to what it made (may be empty).
ResultIssuer = Callable[[IssuedResult, Actor], Sequence[str]]

_issuers: dict[str, ResultIssuer] = {}


def register_result_issuer(name: str, issuer: ResultIssuer) -> None:
    """Register `issuer` under `name` (an app's label; once, from its AppConfig.ready)."""
    if name in _issuers and _issuers[name] is not issuer:
        raise ImproperlyConfigured(f"a result issuer named {name!r} is registered already")
    _issuers[name] = issuer


def issue_results(result: IssuedResult, *, actor: Actor) -> list[str]:
    """Every registered issuer's references, in registration order."""
    made: list[str] = []
    for issuer in _issuers.values():
        made.extend(issuer(result, actor))
    return made
