"""Figures of the statistics pages: shares as percentages, missing values as a dash."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """0.7012 -> "70.1%"; None -> "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def num(value: Any) -> str:
    """A figure, or "—" when there is none."""
    return "—" if value is None or value == "" else str(value)


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
