"""Issue 10.6: security headers (decision 0015).

A strict Content-Security-Policy on every HTML page (`script-src 'self'`, nothing
inline), kept possible by the templates — every one is scanned for inline script bodies,
on* attributes and javascript: URLs; HSTS and the HTTPS redirect in production;
Referrer-Policy and Permissions-Policy; `check --deploy` with production settings clean.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO_ROOT / "src" / "yiwang").rglob("templates/**/*.html"))

# A <script> with no src whose body is not empty, unless it is a data block.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_DATA_TYPES = re.compile(r"""type\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
_JS_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
_STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What a strict CSP would block in this HTML: inline scripts, event handler
    attributes, javascript: URLs, inline styles."""
    found = []
    for attrs, body in _SCRIPT.findall(html):
        if "src=" not in attrs.lower() and body.strip() and not _DATA_TYPES.search(attrs):
            found.append(f"inline <script>: {body.strip()[:60]!r}")
    found += [f"event handler: {m.group(0)[-40:]!r}" for m in _HANDLER.finditer(html)]
    found += [f"javascript: URL: {m.group(0)!r}" for m in _JS_URL.finditer(html)]
    found += [f"style attribute: {m.group(0)[-40:]!r}" for m in _STYLE_ATTR.finditer(html)]
    found += ["<style> element" for _ in _STYLE_TAG.finditer(html)]
    return found


def test_the_scanner_finds_what_csp_blocks() -> None:
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<button onclick="go()">x</button>')
    assert inline_code('<a href="javascript:go()">x</a>')
    assert inline_code('<p style="color:red">x</p>')
    assert inline_code("<style>p{}</style>")
    assert not inline_code('<script src="/static/portal/app.js"></script>')
    assert not inline_code('<script type="application/json" id="s">{"a": 1}</script>')
    assert not inline_code('<p data-online="1" class="onward">x</p>')


def test_the_templates_exist_to_be_scanned() -> None:
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_template_holds_inline_code(path: Path) -> None:
    assert inline_code(path.read_text(encoding="utf-8")) == []


def _csp(response: Any) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in policy.split(";") if d.strip()}


PAGES = ["/", "/login/", "/admin/login/", "/api/v1/docs"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_headers_and_hold_no_inline_code(
    client: Client, demo_users: dict[str, Any], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = _csp(response)
    assert csp["script-src"] == "script-src 'self'"
    assert csp["default-src"] == "default-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["base-uri"] == "base-uri 'self'"
    assert csp["form-action"] == "form-action 'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_api_answers_allow_nothing_to_run(client: Client, demo_users: dict[str, Any]) -> None:
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    assert "camera=()" in response["Permissions-Policy"]


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    key = tmp_path / "audit.key"
    from yiwang.common.anchoring import generate_key_file

    generate_key_file(key)
    env.update(
        YIWANG_ENV="production",
        YIWANG_SECRET_KEY="k7Qd-" + "x9Ty2mZpLr4W" * 5,
        YIWANG_AUDIT_KEY_FILE=str(key),
        YIWANG_LICENSE_MASTER_KEY="00112233445566778899aabbccddeeff",
        YIWANG_DATA_DIR=str(tmp_path),
        YIWANG_ALLOWED_HOSTS="zwfw.jl.gov.cn",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)]),
    )
    return env


def test_check_deploy_with_production_settings_reports_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=tmp_path,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "System check identified no issues (0 silenced).\n",
        "",
    )


def test_production_settings_force_https(tmp_path: Path) -> None:
    script = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    env = {**_production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "yiwang.settings"}
    done = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["True", "31536000", "True", "True", "True", "True", "False"]
