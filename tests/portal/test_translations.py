"""The portal's English catalog: complete, compiled and in step with its source."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

import yiwang.portal

PO = Path(yiwang.portal.__file__).resolve().parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    """(msgid, first msgstr) pairs of the .po file, header excluded. A message with a
    context (msgctxt) is keyed "context\x04msgid", as gettext keys it."""

    def unquote(chunk: str) -> str:
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)
        return "".join(parts).replace('\\"', '"').replace("\\n", "\n")

    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        match = re.search(r'^msgid (".*?)^msg(?:id_plural|str)', block, re.M | re.S)
        translated = re.search(r'^msgstr(?:\[0\])? (".*?)(?:^msgstr\[1\]|\Z)', block, re.M | re.S)
        context = re.search(r'^msgctxt (".*?)^msgid ', block, re.M | re.S)
        if match and translated and unquote(match.group(1)):
            msgid = unquote(match.group(1))
            if context:
                msgid = f"{unquote(context.group(1))}\x04{msgid}"
            entries.append((msgid, unquote(translated.group(1))))
    return entries


def _translated(key: str) -> str:
    context, sep, msgid = key.rpartition("\x04")
    return translation.pgettext(context, msgid) if sep else translation.gettext(key)


def test_every_message_has_an_english_translation() -> None:
    entries = _entries()
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert untranslated == []


def test_compiled_catalog_has_every_source_message() -> None:
    with translation.override("en"):
        stale = [m for m, s in _entries() if "%(" not in m and _translated(m) != s]
    assert stale == [], "run compilemessages for src/yiwang/portal"
