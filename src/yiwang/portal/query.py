"""Reading a page's query string, the same way on every page."""

from __future__ import annotations

from django.http import HttpRequest


def page_number(request: HttpRequest) -> int:
    """`?page=` as a page number from 1: missing, malformed or below 1 is the first page
    (a hand-edited address shows a page, not an error; too far is the selector's 4xx)."""
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1
