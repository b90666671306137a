"""The verify page's server side (issue 11.4): public, its own CSP and Permissions-Policy
(the camera and qr-scanner's blob: worker, this page only), and a service worker whose
scope covers /verify/ and which caches files that exist."""

from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders
from django.test import Client

from yiwang.common.http import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY


def _directives(policy: str) -> dict[str, str]:
    return {d.split()[0]: d.strip() for d in policy.split(";") if d.strip()}


def test_the_page_is_public_and_only_it_may_use_the_camera(client: Client) -> None:
    response = client.get("/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "电子证照核验" in html
    assert 'data-keys-url="/api/v1/licenses/keys"' in html
    assert 'data-verify-url="/api/v1/licenses/verify"' in html
    assert "csrftoken" in response.cookies  # queued checks are posted later
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "script-src 'self'"
    assert policy["worker-src"] == "worker-src 'self' blob:"
    assert policy["img-src"] == "img-src 'self' data: blob:"
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    # Every other page keeps the house policy: no camera, no blob: workers.
    home = client.get("/lookup/")
    assert home["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert home["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY


def test_the_service_worker_covers_the_page_and_caches_what_exists(client: Client) -> None:
    response = client.get("/verify/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert _directives(response["Content-Security-Policy"])["connect-src"] == "connect-src 'self'"
    match = re.search(r"^const CONFIG = (\{.*\});$", response.content.decode(), re.MULTILINE)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["page"] == "/verify/"
    assert config["keys"] == "/api/v1/licenses/keys"
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    page = client.get("/verify/").content.decode()
    for url in config["assets"]:
        assert url.startswith("/static/")
        assert finders.find(url.removeprefix("/static/")), url
        if url.endswith(".js") and "worker" not in url:
            assert f'src="{url}"' in page, url  # what the page loads is what is cached
    assert "/static/portal/vendor/qr-scanner-worker.min.js" in config["assets"]


def test_the_vendored_files_are_served_with_their_licenses(client: Client) -> None:
    for name, marker in [
        ("sm-crypto-v2.umd.js", b"SmCryptoV2"),
        ("qr-scanner.umd.min.js", b"QrScanner"),
        ("qr-scanner-worker.min.js", b"createWorker"),
        ("sm-crypto-v2.LICENSE.txt", b"MIT"),
        ("qr-scanner.LICENSE.txt", b"MIT"),
        ("noble.LICENSE.txt", b"Paul Miller"),
    ]:
        response = client.get(f"/static/portal/vendor/{name}")
        assert response.status_code == 200, name
        assert marker in b"".join(response.streaming_content), name  # type: ignore[attr-defined]


def test_the_page_speaks_english_when_asked(client: Client) -> None:
    """The words the script shows come from the template, so they follow the language."""
    html = client.get("/verify/", headers={"accept-language": "en"}).content.decode()
    assert "Verify an e-license" in html
    assert '<li data-key="valid">Valid</li>' in html
    assert '<li data-key="tampered">Invalid: altered, or not an e-license QR code</li>' in html
