"""Uploads attached to a case are held by it: the expiry of unattached uploads and the
storage quota (issue 10.5) see the case's materials through their foreign key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.cases import items
from tests.cases.conftest import PDF, CaseApi
from yiwang.cases.models import CaseMaterial
from yiwang.uploads.models import Upload
from yiwang.uploads.services import delete_expired_uploads, unattached

pytestmark = pytest.mark.django_db


def test_a_cases_materials_never_expire_an_unattached_upload_does(
    api: CaseApi, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = 24
    api.apply("citizen", items.NANGUAN)
    attached = set(CaseMaterial.objects.values_list("upload_id", flat=True))
    assert attached
    spare = api.upload("citizen", "未使用.pdf")
    Upload.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert {str(u.pk) for u in unattached()} == {spare}

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_expired_uploads() == 1
    assert set(Upload.objects.values_list("pk", flat=True)) == attached


def test_the_storage_quota_counts_the_materials_of_cases_too(api: CaseApi, settings: Any) -> None:
    api.apply("citizen", items.NANGUAN)
    held = sum(Upload.objects.values_list("size", flat=True))
    settings.YIWANG_UPLOAD_QUOTA_BYTES = held + 10
    response = api.client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("新.pdf", PDF, content_type="application/pdf")},
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    assert response.status_code == 413, response.content
    body = response.json()
    assert (body["code"], body["used_bytes"]) == ("upload_quota_exceeded", held)
    assert "retry_after" not in body  # every byte is held by the case
    assert not response.has_header("Retry-After")
