"""The credit pages' strings are in the portal's catalog, where their templates are
(decision 0011): `makemessages` run in the portal finds them, and run in credit does
not drop them as obsolete. Credit's own catalog holds the domain's labels (context
"credit") and its messages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils.translation.template import templatize

import yiwang.credit
import yiwang.portal

PORTAL = Path(yiwang.portal.__file__).parent
CREDIT = Path(yiwang.credit.__file__).parent
TEMPLATES = sorted((PORTAL / "templates" / "portal" / "credit").glob("*.html"))

_CALL = re.compile(r"\b(npgettext|pgettext|ngettext|gettext)\(")
_STRING = re.compile(r"\s*(u'(?:[^'\\]|\\.)*')\s*,?")


def _template_messages(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every message in a template, as makemessages sees it."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = set()
    for call in _CALL.finditer(code):
        strings, at = [], call.end()
        while match := _STRING.match(code, at):
            strings.append(ast.literal_eval(match.group(1)))
            at = match.end()
        if call.group(1).startswith(("np", "p")):
            found.add((strings[0], strings[1]))
        else:
            found.add((None, strings[0]))
    return found


def _catalog(app: Path) -> set[tuple[str | None, str]]:
    text = (app / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = set()
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if msgid is None:
            continue
        context = re.search(r'^msgctxt "(.*)"', block, re.M)
        value = "".join(ast.literal_eval(s) for s in re.findall(r'".*"', msgid.group(1)))
        if value:
            entries.add((ast.literal_eval(f'"{context.group(1)}"') if context else None, value))
    return entries


def test_the_credit_pages_strings_are_in_the_portals_catalog() -> None:
    assert len(TEMPLATES) == 4
    used = set().union(*(_template_messages(t) for t in TEMPLATES))
    assert len(used) > 80
    assert (None, "企业信用信息公示") in used
    assert ("list separator", "、") in used
    missing = sorted(m for m in used - _catalog(PORTAL))
    assert missing == []


def test_credits_catalog_holds_no_page_string() -> None:
    used = set().union(*(_template_messages(t) for t in TEMPLATES))
    assert sorted(used & _catalog(CREDIT)) == []
