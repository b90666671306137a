"""Template helpers of the credit pages."""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.credit.labels import LABEL_CONTEXT, choice_label

register = template.Library()


@register.filter
def credit_label(label: Any) -> str:
    """A label from `get_..._display` (or choices.py), translated (labels.py)."""
    return choice_label(label, LABEL_CONTEXT)
