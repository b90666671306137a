"""Every domain error names a stable code, and every message it carries is translated.

The source is walked with `ast` (not imported): every construction of a DomainError
subclass anywhere under src/yiwang must pass `code="<snake_case>"` as a literal, so
that the code can be read off the raise line and grepped for; and every Chinese
message literal wrapped in `_()` at such a construction must have an English
translation in the catalogs (docs/decisions/0010-errors-and-language.md).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation

from yiwang.common import errors
from yiwang.common.errors import CODE_PATTERN, DomainError

SRC = Path(errors.__file__).resolve().parents[1]

#: Every DomainError class, by name (the hierarchy lives in one module).
CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, DomainError)
}

#: Codes published with two statuses before this test existed. Both are public API
#: (clients and tests rely on each), so they stay; a new code may not join this list.
TWO_STATUSES = {"bad_page"}  # cases: 422 (ValidationFailed), credit: 400 (BadRequest)


def _constructions() -> list[tuple[str, int, str, ast.Call]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in CLASSES:
                found.append((str(path.relative_to(SRC)), node.lineno, name, node))
    return found


CONSTRUCTIONS = _constructions()


def _code(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return None


def _message(call: ast.Call) -> str | None:
    """The msgid of `_("...")` or `_("...") % {...}` as the first argument."""
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
        arg = arg.left
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Name)
        and arg.func.id in {"_", "gettext", "gettext_lazy"}
        and arg.args
        and isinstance(arg.args[0], ast.Constant)
    ):
        return str(arg.args[0].value)
    return None


def test_the_walk_finds_the_constructions() -> None:
    # Guards the walk itself: were it to find nothing, every test below would pass.
    assert len(CONSTRUCTIONS) > 200
    assert {"ValidationFailed", "NotFound", "InvalidTransition", "RateLimited"} <= {
        name for _path, _line, name, _call in CONSTRUCTIONS
    }


def test_every_domain_error_names_a_literal_snake_case_code() -> None:
    missing = [
        f"{path}:{line} {name}(...) without code="
        for path, line, name, call in CONSTRUCTIONS
        if _code(call) is None
    ]
    assert missing == []
    malformed = [
        f"{path}:{line} code={code!r}"
        for path, line, _name, call in CONSTRUCTIONS
        if (code := _code(call)) is not None and not CODE_PATTERN.fullmatch(code)
    ]
    assert malformed == []


def test_a_code_means_one_status() -> None:
    """A client may branch on the code alone: the same code never comes with two HTTP
    statuses (two classes of the same status may share one, e.g. a generic code)."""
    statuses: dict[str, set[int]] = defaultdict(set)
    for _path, _line, name, call in CONSTRUCTIONS:
        code = _code(call)
        if code is not None:
            statuses[code].add(CLASSES[name].status)
    ambiguous = {code for code, seen in statuses.items() if len(seen) > 1}
    assert ambiguous == TWO_STATUSES


def test_the_class_codes_are_snake_case_and_distinct() -> None:
    codes = [cls.code for cls in CLASSES.values()]
    assert all(CODE_PATTERN.fullmatch(code) for code in codes)
    assert len(codes) == len(set(codes))


def test_the_constructor_refuses_a_missing_or_malformed_code() -> None:
    with pytest.raises(TypeError):
        errors.NotFound("没有")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="snake_case"):
        errors.NotFound("没有", code="Not-Found")


def _has_chinese(node: ast.AST) -> bool:
    return any(
        isinstance(part, ast.Constant)
        and isinstance(part.value, str)
        and any("\u4e00" <= ch <= "\u9fff" for ch in part.value)
        for part in ast.walk(node)
    )


def test_no_chinese_message_escapes_translation() -> None:
    """A Chinese literal (or f-string) handed to an error as is would stay Chinese
    under `Accept-Language: en`: it must go through `_()` with a %-mapping."""
    raw = [
        f"{path}:{line}"
        for path, line, _name, call in CONSTRUCTIONS
        if call.args and _message(call) is None and _has_chinese(call.args[0])
    ]
    assert raw == []


def test_every_error_message_has_an_english_translation() -> None:
    messages = {
        message
        for _path, _line, _name, call in CONSTRUCTIONS
        if (message := _message(call)) is not None
    }
    assert len(messages) > 150  # the walk reads the messages, not nothing
    with translation.override("en"):
        untranslated = sorted(m for m in messages if translation.gettext(m) == m)
        english_titles = {name: str(cls.title) for name, cls in CLASSES.items()}
    assert untranslated == []
    with translation.override("zh-hans"):
        same = [name for name, cls in CLASSES.items() if str(cls.title) == english_titles[name]]
    assert same == []
