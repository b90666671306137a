"""htmx helpers shared by the portal's views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django_htmx's middleware."""

    htmx: HtmxDetails


def is_partial(request: HttpRequest) -> bool:
    """Whether to answer with a fragment: an htmx request, but not a history restore
    (back button after htmx pushed the URL, cache miss), which wants the full page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
