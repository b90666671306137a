"""The admin lists upload metadata read-only and never serves the content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.uploads import samples
from yiwang.uploads.services import store_upload

pytestmark = pytest.mark.django_db


def test_upload_admin_is_read_only_metadata(media: Path, demo_users: dict[str, Any]) -> None:
    upload = store_upload(
        SimpleUploadedFile("证明.pdf", samples.pdf()), owner=demo_users["citizen"]
    )
    browser = Client()
    browser.force_login(demo_users["admin"])
    listing = browser.get("/admin/uploads/upload/")
    assert listing.status_code == 200
    assert "证明.pdf" in listing.content.decode()
    detail = browser.get(f"/admin/uploads/upload/{upload.pk}/change/")
    assert detail.status_code == 200
    assert upload.sha256 in detail.content.decode()
    assert upload.file.name not in detail.content.decode()  # no link to the stored file
    assert b'name="_save"' not in detail.content
    assert browser.get("/admin/uploads/upload/add/").status_code == 403


def test_upload_admin_masks_personal_numbers_in_file_names(
    media: Path, demo_users: dict[str, Any]
) -> None:
    upload = store_upload(
        SimpleUploadedFile("张三220102198806151015电话13804310001.pdf", samples.pdf()),
        owner=demo_users["citizen"],
    )
    browser = Client()
    browser.force_login(demo_users["admin"])
    for page in ("/admin/uploads/upload/", f"/admin/uploads/upload/{upload.pk}/change/"):
        html = browser.get(page).content.decode()
        assert "220102********1015" in html, page
        assert "220102198806151015" not in html, page
        assert "13804310001" not in html, page
