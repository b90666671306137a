"""HTML lives in the portal (docs/decisions/0011-credit-split-and-html.md).

Every app holds its domain (models, services, selectors), its API and its data; the
portal renders every app's pages. Checked on the source tree: no app but the portal
has a `templates/`, `templatetags/` or `static/` directory, a `views*.py`, `urls*.py`
or `forms*.py` module, or imports Django's page machinery (`django.shortcuts`,
`django.template`, `django.forms` but `model_to_dict`, `django.views`). The admin (`admin.py`, Django's own
pages) and the project's `yiwang/urls.py` are outside the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yiwang

ROOT = Path(yiwang.__file__).parent
PAGE_DIRS = {"templates", "templatetags", "static"}
PAGE_MODULES = ("views", "urls", "forms")
PAGE_IMPORTS = ("django.shortcuts", "django.template", "django.forms", "django.views")
#: Names of those packages that have nothing to do with pages.
HARMLESS = {"django.forms.models": {"model_to_dict"}}


def _apps() -> list[Path]:
    return sorted(p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "portal")


def _page_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if {a.name for a in node.names} <= HARMLESS.get(node.module, set()):
                continue
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [n for n in names if n.startswith(PAGE_IMPORTS)]
    return found


def test_only_the_portal_has_pages() -> None:
    assert {p.name for p in _apps()} >= {"cases", "credit", "catalog", "notify"}
    misplaced = []
    for app in _apps():
        for path in app.rglob("*"):
            if "__pycache__" in path.parts or "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT)
            if path.is_dir() and path.name in PAGE_DIRS:
                misplaced.append(f"{relative}/")
            elif path.suffix == ".py" and path.stem.startswith(PAGE_MODULES):
                misplaced.append(str(relative))
            elif path.suffix == ".py" and path.name != "admin.py":
                misplaced += [f"{relative} imports {name}" for name in _page_imports(path)]
    assert misplaced == [], "pages belong to the portal: " + ", ".join(misplaced)


def test_the_credit_pages_are_the_portals() -> None:
    """The check above would see credit's old layout (it is not vacuous)."""
    assert (ROOT / "portal" / "views_credit.py").exists()
    assert (ROOT / "portal" / "templates" / "portal" / "credit" / "enterprise.html").exists()
    assert not (ROOT / "credit" / "templates").exists()
    assert _page_imports(ROOT / "portal" / "views_credit.py") != []
