"""Kinds of the supervision app."""

from __future__ import annotations

from django.db import models


class CardColour(models.TextChoices):
    """黄牌: the case is near its due day; 红牌: it is past it (issue 12)."""

    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"
