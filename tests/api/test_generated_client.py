"""A client generated from the live OpenAPI document works, errors included (issue 10,
item 7): openapi-python-client generates it into tmp_path; the test signs in, lists
items, uploads the materials, submits a case, and reads a 409 and a 422 as typed
Problem objects (before, every error was `None` and the functions were named after
modules, `yiwang_cases_api_submit`)."""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.test import Client

from tests.cases import items as demo_items
from tests.cases.conftest import DEMO_PASSWORD, PDF, SHANGHAI

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "yiwang_client"


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[ModuleType]:
    generator = shutil.which("openapi-python-client") or str(
        Path(sys.executable).with_name("openapi-python-client")
    )
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(Client().get("/api/v1/openapi.json").json()))
    config = tmp_path / "config.yaml"  # the title is Chinese: name the package ourselves
    config.write_text(f"project_name_override: yiwang-client\npackage_name_override: {PACKAGE}\n")
    out = tmp_path / "src" / PACKAGE
    subprocess.run(  # noqa: S603 - the dev extra's generator, our own document
        [
            *(generator, "generate", "--path", str(document)),
            *("--output-path", str(out), "--config", str(config), "--meta", "none"),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out.parent))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def world(demo_users: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """As the cases tests set it up: 2025-2026 published, a working day in 2026."""
    from yiwang.accounts.actor import Actor
    from yiwang.cases import clock
    from yiwang.cases.services import seed_demo_reference_data
    from yiwang.common.workdays import seed_from_chinesecalendar

    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 9, 15, 10, tzinfo=SHANGHAI))
    seed_from_chinesecalendar(range(2025, 2027), actor=Actor.system("test"))
    demo_items.load()
    seed_demo_reference_data(actor=Actor.system("test"))


def _api(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def test_a_generated_client_signs_in_lists_submits_and_types_its_errors(
    generated: ModuleType, world: None, live_server: Any
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    closing = contextlib.ExitStack()  # the clients' connections, closed at the end
    anonymous = closing.enter_context(
        generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    )

    login = _api("auth.login").sync(
        client=anonymous, body=models.LoginIn(username="citizen", password=DEMO_PASSWORD)
    )
    assert isinstance(login, models.LoginOut), login
    citizen = closing.enter_context(
        generated.AuthenticatedClient(
            base_url=live_server.url, token=login.token, raise_on_unexpected_status=True
        )
    )
    with closing:
        _use(generated, models, types, anonymous, citizen)


def _use(generated: ModuleType, models: Any, types: Any, anonymous: Any, citizen: Any) -> None:

    page = _api("catalog.list_items").sync(client=anonymous, q="临时占用城市道路")
    assert isinstance(page, models.ItemPageOut)
    assert demo_items.NANGUAN in [item.code for item in page.items]
    item = _api("catalog.get_item").sync(demo_items.NANGUAN, client=anonymous)
    assert isinstance(item, models.ItemDetailOut)

    materials = []
    for material in (m for m in item.materials if m.required):
        body = models.UploadFileBody(
            file=types.File(
                payload=PDF, file_name=f"{material.code}.pdf", mime_type="application/pdf"
            )
        )
        upload = _api("uploads.upload_file").sync(client=citizen, body=body)
        assert isinstance(upload, models.UploadOut), upload
        materials.append(models.MaterialIn(material=material.code, upload_id=str(upload.upload_id)))
    assert materials

    submit = _api("cases.submit_case")
    application = models.SubmitIn(
        item_code=demo_items.NANGUAN,
        form=models.SubmitInForm.from_dict(demo_items.form_for(demo_items.NANGUAN)),
        materials=materials,
    )
    submitted = submit.sync_detailed(client=citizen, body=application, idempotency_key="k-1")
    assert submitted.status_code == 201
    assert isinstance(submitted.parsed, models.SubmittedOut)
    assert submitted.parsed.case_no

    # the same key for a different application: a typed 409
    other = models.SubmitIn(
        item_code=demo_items.NANGUAN,
        form=models.SubmitInForm.from_dict(
            {**demo_items.form_for(demo_items.NANGUAN), "area_m2": 13}
        ),
        materials=materials,
    )
    conflict = submit.sync_detailed(client=citizen, body=other, idempotency_key="k-1")
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, models.Problem)
    assert (conflict.parsed.status, conflict.parsed.code) == (409, "idempotency_key_reused")

    # an application without its item: a typed 422 naming the field
    invalid = submit.sync_detailed(client=citizen, body=models.SubmitIn(item_code="x" * 500))
    assert invalid.status_code == 422
    problem = invalid.parsed
    assert isinstance(problem, models.Problem)
    assert problem.code == "validation_failed"
    assert isinstance(problem.errors, list)
    assert [error.loc[-1] for error in problem.errors] == ["item_code"]
    assert all(isinstance(error, models.ProblemErrorsItem) for error in problem.errors)
