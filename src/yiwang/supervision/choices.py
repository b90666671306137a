"""Kinds of the supervision app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CardColour(models.TextChoices):
    """黄牌: the case is near its due day; 红牌: it is past it (issue 12)."""

    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class RankingKind(models.TextChoices):
    """The monthly ranking ranks the departments, or the cities of the province."""

    DEPARTMENT = "department", _("部门排名")
    REGION = "region", _("地区排名")
