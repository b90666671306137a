"""What an application must satisfy, once for every way in (the API's POST /cases and the
portal's application form): the item's form-field specs and the township stations that
take the item in. The cases services refuse with these rules; the web form builds its
fields and checks its values with the same ones, so the two cannot drift apart."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalog.choices import AcceptLevel
from yiwang.common.errors import ValidationFailed
from yiwang.org.choices import RegionLevel
from yiwang.org.models import Region
from yiwang.org.selectors import regions_below

#: The whole form, as JSON.
FORM_MAX_CHARS = 20_000
#: One text value.
FORM_TEXT_MAX = 2000
#: The levels of region a station serves (a township's station takes in its villages too).
STATION_LEVELS = frozenset({RegionLevel.TOWNSHIP, RegionLevel.VILLAGE})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def field_specs(item: Any) -> dict[str, Mapping[str, Any]]:
    """The item's form fields (catalog data) by name, in their order."""
    return {
        str(f.get("name")): f
        for f in item.form_fields or []
        if isinstance(f, Mapping) and f.get("name")
    }


def blank(value: Any) -> bool:
    """Not filled in: nothing, or only spaces (as the web form, which strips them)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def value_problem(spec: Mapping[str, Any], value: Any) -> str:
    """What is wrong with one filled-in value, or "": booleans true or false, numbers
    finite and not negative, dates YYYY-MM-DD, a select one of its options, text without
    control characters and at most FORM_TEXT_MAX characters."""
    kind = spec.get("type", "text")
    if kind == "boolean":
        return "" if isinstance(value, bool) else "应为是或否"
    if kind == "number":
        if isinstance(value, bool):
            return "应为数字"
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return "应为数字"
        if not math.isfinite(number):
            return "应为数字"
        if number < 0:
            return "不能为负数"
        return ""
    if not isinstance(value, str):
        return "应为文本"
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        return "含有不可见的控制字符"
    if kind == "date":
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            return "应为日期（YYYY-MM-DD）"
    if kind == "select" and value not in (spec.get("options") or []):
        return "不是可选项之一"
    if len(value) > FORM_TEXT_MAX:
        return f"不能超过 {FORM_TEXT_MAX} 个字符"
    return ""


def range_problem(
    fields: Mapping[str, Mapping[str, Any]],
    form: Mapping[str, Any],
    spec: Mapping[str, Any],
    value: Any,
) -> str:
    """A date range's end before its start (the field's `not_before`, catalog data)."""
    start = str(spec.get("not_before") or "")
    other = form.get(start) if start in fields else None
    if not isinstance(other, str) or not isinstance(value, str):
        return ""
    if value_problem(fields[start], other) or value_problem(spec, value):
        return ""  # no start given, or itself wrong (reported on its own)
    if date.fromisoformat(value) < date.fromisoformat(other):
        return f"不得早于{fields[start].get('label') or start}"
    return ""


def check_form(item: Any, form: Mapping[str, Any]) -> None:
    """The application form against the item's form fields: no unknown field, every
    required one filled, each value of its type. One ValidationFailed names them all."""
    if len(json.dumps(form, ensure_ascii=False, default=str)) > FORM_MAX_CHARS:
        raise ValidationFailed(_("申请表内容过长"), code="form_too_large")
    fields = field_specs(item)
    unknown = sorted(set(form) - set(fields))
    if unknown:
        raise ValidationFailed(
            _("申请表没有这些字段：%(unknown)s") % {"unknown": "、".join(unknown)},
            code="unknown_form_field",
            unknown=unknown,
        )
    missing = [
        {"name": name, "label": f.get("label") or name}
        for name, f in fields.items()
        if f.get("required") and blank(form.get(name))
    ]
    if missing:
        labels = "、".join(str(m["label"]) for m in missing)
        raise ValidationFailed(
            _("申请表缺少必填项：%(labels)s") % {"labels": labels},
            code="form_incomplete",
            missing=missing,
        )
    invalid = []
    for name, value in form.items():
        if blank(value):
            continue
        reason = value_problem(fields[name], value) or range_problem(
            fields, form, fields[name], value
        )
        if reason:
            invalid.append(
                {"name": name, "label": fields[name].get("label") or name, "reason": reason}
            )
    if invalid:
        text = "；".join(f"{i['label']}{i['reason']}" for i in invalid)
        raise ValidationFailed(
            _("申请表填写有误：%(text)s") % {"text": text}, code="form_invalid", invalid=invalid
        )


def takes_in_at_stations(item: Any) -> bool:
    return bool(item.accept_level == AcceptLevel.TOWNSHIP)


def intake_stations(item: Any) -> list[Region]:
    """The township stations that take in this item's applications (items accepted at
    township level: the townships below the item's region), by code; none otherwise."""
    if not takes_in_at_stations(item):
        return []
    below = regions_below(item.region, include_self=False)
    return list(below.filter(level=RegionLevel.TOWNSHIP).order_by("code"))


def serves(region: Region | None, item: Any) -> bool:
    """Whether `region` is a station (township or village) within the item's region."""
    return (
        region is not None
        and region.level in STATION_LEVELS
        and region.path.startswith(item.region.path)
    )
