"""Issue 11 item 8: the bulk import (`licenses.ingest`) and the signing job
(`licenses.jobs`), in process: what is imported, what is refused and why, that a second
run imports nothing twice, that every imported license is signed and verifies offline
with the published keys only, and that an unsigned one says so (never `tampered`).
The crash tests (a killed process, then a rerun) are in test_import_crash.py."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.common.validators import make_id_number, make_license_id
from yiwang.licenses import jobs
from yiwang.licenses.choices import ChangeKind, VerifyResult
from yiwang.licenses.encoding import with_signature
from yiwang.licenses.ingest import BATCH_SIZE, clean_row, import_file
from yiwang.licenses.models import License, LicenseChange, LicenseImport, LicenseType
from yiwang.licenses.services import (
    Holder,
    issue_license,
    known_keys,
    payload_of,
    verify_payload,
)
from yiwang.licenses.services.sealing import sign_version, unsigned_of
from yiwang.licenses.verification import verify_offline
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

BUSINESS = "11100000032316376T001"  # 营业执照
PERMIT = "111000000603213830002"  # 超限运输车辆行驶公路许可
ISSUER = "220100-market-regulation"
TRANSPORT = "220000-transport"
SYSTEM = Actor.system("test-import")
TODAY = date(2026, 6, 1)
# A valid USCC (the worked example's holder, docs/licenses.md).
HOLDERS = ["91220101MA17Y8K34M", "91220101MA17Y8K34M"]
HEADER = [
    "type_code", "license_no", "holder_kind", "holder_code", "holder_name", "issuer",
    "valid_from", "valid_until", "legal_representative", "entity_type", "plate_no",
    "cargo_name",
]  # fmt: skip


def _uscc(n: int) -> str:
    from yiwang.common.validators import make_uscc

    return make_uscc("9", "1", "220102", f"MA{n:06d}")


def business(n: int, **extra: str) -> dict[str, str]:
    row = {
        "type_code": BUSINESS,
        "license_no": f"L{n:06d}",
        "holder_kind": "entity",
        "holder_code": _uscc(n),
        "holder_name": f"长春市第{n}号示范有限公司",
        "issuer": ISSUER,
        "valid_from": "2020-01-02",
        "valid_until": "",
        "legal_representative": "张三",
        "entity_type": "有限责任公司",
        "plate_no": "",
        "cargo_name": "",
    }
    row.update(extra)
    return row


def permit(n: int) -> dict[str, str]:
    return {
        **business(n),
        "type_code": PERMIT,
        "license_no": f"T{n:06d}",
        "issuer": TRANSPORT,
        "valid_from": "2026-05-10",
        "valid_until": "2026-06-20",
        "legal_representative": "",
        "entity_type": "",
        "plate_no": f"吉A{n:05d}",
        "cargo_name": "变压器",
    }


def write_csv(path: Path, rows: Sequence[dict[str, str] | str]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        if isinstance(row, str):
            out.write(row + "\r\n")
        else:
            writer.writerow([row[h] for h in HEADER])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def rejects_of(path: Path) -> list[tuple[int, str]]:
    return [
        (item["line"], item["reason"])
        for item in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]


def verdicts(licenses: list[License]) -> dict[str, str]:
    """Each license checked as an officer's page does: its payload against the
    published keys only, no database row consulted."""
    keys = known_keys()
    return {lic.identifier: verify_offline(payload_of(lic), keys, TODAY).result for lic in licenses}


@pytest.fixture
def types(license_types: dict[str, Any]) -> dict[str, Any]:
    return license_types


# --------------------------------------------------------------------------- importing


def test_a_csv_import_signs_every_good_row_and_rejects_the_bad_ones(
    tmp_path: Path, types: Any
) -> None:
    good = [business(n) for n in range(1, 6)] + [permit(6), permit(7)]
    rows: list[dict[str, str] | str] = [
        *good[:3],
        business(8, holder_code="91220102MA00000081"),  # line 5: bad check character
        business(9, type_code="11100000032316376T999"),  # line 6: no such type
        good[3],
        business(10, issuer="nowhere"),  # line 8
        business(11, valid_from="2026-02-01", valid_until="2026-01-31"),  # line 9
        good[1],  # line 10: the same license again, in a later batch
        business(12, plate_no="吉A00001"),  # line 11: a field of another type
        "only,three,columns",  # line 12
        *good[4:],
        business(13, license_no="No.13"),  # line 16: not of the check alphabet
        business(14, holder_kind="robot"),  # line 17
        business(15, valid_from="2026-13-01"),  # line 18
        'a,"' + "长" * 140_000 + '"',  # line 19: a field past the csv module's limit
    ]
    path = write_csv(tmp_path / "licenses.csv", rows)
    report = import_file(path, actor=SYSTEM, batch_size=4, progress=False, today=TODAY)

    assert (report.inserted, report.existing, report.rejected, report.lines) == (7, 1, 10, 18)
    assert report.batches == 5
    assert report.unsigned == 0
    assert rejects_of(Path(report.rejects_file)) == [
        (5, "holder_code: check character should be 7, not 1"),
        (6, "type_code: '11100000032316376T999' is not an active license type"),
        (8, "issuer: 'nowhere' is not a department code or USCC"),
        (9, "valid_until: before valid_from"),
        (11, f"metadata: type {BUSINESS} has no field 'plate_no'"),
        (12, f"expected {len(HEADER)} columns, got 3"),
        (16, "license_no: required, 1-40 characters of 0-9 and A-Z"),
        (17, "holder_kind: person or entity"),
        (18, "valid_from: '2026-13-01' is not a date (YYYY-MM-DD)"),
        (19, "not CSV: field larger than field limit (131072)"),
    ]
    imported = list(License.objects.select_related("license_type", "key").order_by("id"))
    assert [lic.holder_code for lic in imported] == [g["holder_code"] for g in good]
    first = imported[0]
    issuer = Department.objects.get(code=ISSUER)
    assert first.identifier == make_license_id(BUSINESS, issuer.uscc, "L000001", 1)
    assert first.metadata == {"legal_representative": "张三", "entity_type": "有限责任公司"}
    assert first.valid_until is None
    assert first.issued_on == date(2020, 1, 2)
    assert imported[5].metadata == {"plate_no": "吉A00006", "cargo_name": "变压器"}
    # Signed by each issuer's own key, and every one verifies offline.
    assert all(lic.signed_at is not None for lic in imported)
    assert {lic.key.department.code for lic in imported if lic.key} == {ISSUER, TRANSPORT}
    assert set(verdicts(imported).values()) == {VerifyResult.VALID}
    checks = [jobs.check_stored(lic.identifier, today=TODAY) for lic in imported]
    assert {c.result if c else None for c in checks} == {"valid"}
    # On the change feed once each, as issued; one audit event per batch, not per row.
    feed = list(LicenseChange.objects.values_list("identifier", "kind"))
    assert sorted(feed) == sorted((lic.identifier, ChangeKind.ISSUED) for lic in imported)
    run = LicenseImport.objects.get(pk=report.run_id)
    batches = AuditEvent.objects.filter(action="licenses.import_batch", object_id=str(run.pk))
    assert batches.count() == 5
    assert [(e.after or {})["inserted"] for e in batches.order_by("id")] == [3, 1, 1, 2, 0]


def test_the_signature_is_the_one_the_issuing_services_make(tmp_path: Path, types: Any) -> None:
    """The import signs with `sealing.sign_version`: re-signing the stored row gives the
    same digest, and the stored signature verifies over the rebuilt payload."""
    import_file(write_csv(tmp_path / "a.csv", [business(1)]), actor=SYSTEM, progress=False)
    lic = License.objects.select_related("license_type", "issuer", "key").get()
    stored_digest = lic.digest
    copy = License.objects.select_related("license_type", "issuer", "key").get()
    assert copy.key is not None
    assert copy.signed_at is not None
    sign_version(copy, copy.license_type, copy.issuer, copy.key, _pair(copy), copy.signed_at)
    assert copy.digest == stored_digest
    answer = verify_payload(payload_of(lic), today=TODAY)
    assert (answer.result, answer.license) == (VerifyResult.VALID, lic)


def _pair(lic: License) -> Any:
    from yiwang.licenses.services.keys import key_pair

    assert lic.key is not None
    return key_pair(lic.key)


def test_a_second_run_imports_nothing_twice(tmp_path: Path, types: Any) -> None:
    path = write_csv(tmp_path / "licenses.csv", [business(n) for n in range(1, 8)])
    first = import_file(path, actor=SYSTEM, batch_size=3, progress=False)
    assert (first.inserted, first.existing) == (7, 0)
    signatures = dict(License.objects.values_list("identifier", "signature"))

    again = import_file(path, actor=SYSTEM, batch_size=3, progress=False)
    assert again.already_imported
    assert again.inserted == 0
    forced = import_file(path, actor=SYSTEM, batch_size=2, progress=False, again=True)
    assert (forced.inserted, forced.existing, forced.rejected) == (0, 7, 0)
    # A re-exported file with one new row: only that one is added.
    bigger = write_csv(tmp_path / "bigger.csv", [business(n) for n in range(1, 9)])
    more = import_file(bigger, actor=SYSTEM, batch_size=3, progress=False)
    assert (more.inserted, more.existing) == (1, 7)

    assert License.objects.count() == 8
    # Nothing already in the library was rewritten: the signed versions are untouched.
    assert {
        i: s for i, s in License.objects.values_list("identifier", "signature") if i in signatures
    } == signatures
    assert LicenseChange.objects.count() == 8


def test_json_lines_with_identifiers_chinese_headers_and_a_metadata_object(
    tmp_path: Path, types: Any
) -> None:
    issuer = Department.objects.get(code=ISSUER)
    given = make_license_id(BUSINESS, issuer.uscc, "202400001234", 2)
    lines = [
        {"证照标识": given, "持证主体类型": "法人和其他组织", "持证主体代码": HOLDERS[0],
         "持证主体": "长春一网示范科技有限公司", "有效期起始": "20240301",
         "metadata": {"legal_representative": "李四"}},
        # The identifier names another issuer than the column.
        {"identifier": given.replace(".002.", ".003."), "issuer": ISSUER,
         "holder_kind": "entity", "holder_code": HOLDERS[1], "holder_name": "甲",
         "valid_from": "2024-01-01"},
        {"identifier": given, "license_no": "999", "holder_kind": "entity",
         "holder_code": HOLDERS[1], "holder_name": "乙", "valid_from": "2024-01-01"},
        "[1, 2]",
        "{not json",
    ]  # fmt: skip
    path = tmp_path / "licenses.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n",
        encoding="utf-8",
    )
    report = import_file(path, actor=SYSTEM, progress=False, today=TODAY)
    assert (report.inserted, report.rejected) == (1, 4)
    lic = License.objects.get()
    assert (lic.identifier, lic.serial, lic.version, lic.valid_from) == (
        given,
        "202400001234",
        2,
        date(2024, 3, 1),
    )
    reasons = [reason for _line, reason in rejects_of(Path(report.rejects_file))]
    assert reasons[0].startswith("identifier: ")  # the changed version breaks its check
    assert reasons[1:] == [
        "license_no: '999' differs from the identifier's '202400001234'",
        "not a JSON object",
        "not JSON: Expecting property name enclosed in double quotes",
    ]


def test_an_imported_number_moves_the_issuers_counter_past_it(tmp_path: Path, types: Any) -> None:
    """Imported numbers of the library's own form (`<year><8 digits>`) advance the
    counter, so a later direct issue never makes a number an import holds."""
    path = write_csv(
        tmp_path / "a.csv",
        [business(1, license_no="202600000041"), business(2, license_no="202600000007")],
    )
    import_file(path, actor=SYSTEM, progress=False)
    issued = issue_license(
        type_code=BUSINESS,
        issuer=Department.objects.get(code=ISSUER),
        holder=Holder("entity", HOLDERS[0], "长春一网示范科技有限公司"),
        metadata={},
        actor=SYSTEM,
        issued_on=date(2026, 6, 1),
    )
    assert issued.serial == "202600000042"


def test_signing_in_a_process_pool_gives_verifiable_licenses(tmp_path: Path, types: Any) -> None:
    path = write_csv(tmp_path / "a.csv", [business(n) for n in range(1, 1202)])
    report = import_file(path, actor=SYSTEM, batch_size=600, processes=2, progress=False)
    assert (report.inserted, report.unsigned) == (1201, 0)
    licenses = list(License.objects.select_related("license_type", "key"))
    assert set(verdicts(licenses).values()) == {VerifyResult.VALID}
    assert len({lic.signature for lic in licenses}) == 1201


# --------------------------------------------------------------------------- not yet signed


def test_an_unsigned_import_says_so_until_the_job_signs_it(tmp_path: Path, types: Any) -> None:
    path = write_csv(tmp_path / "a.csv", [business(n) for n in range(1, 6)] + [permit(6)])
    report = import_file(path, actor=SYSTEM, progress=False, sign=False)
    assert (report.inserted, report.unsigned) == (6, 6)
    lic = License.objects.select_related("license_type", "issuer").first()
    assert lic is not None
    assert lic.signed_at is None
    assert lic.digest == lic.signature == ""
    assert payload_of(lic) == ""
    assert jobs.check_stored(lic.identifier) == jobs.StoredCheck(
        lic.identifier, jobs.NOT_SIGNED, "the signing job has not reached it yet"
    )
    # A payload naming it (made with the issuer's real key before the job ran) is not
    # called tampered: the answer says the library has it, not yet signed.
    from yiwang.licenses.services.keys import ensure_authority_key, key_pair

    key = ensure_authority_key(lic.issuer, actor=SYSTEM)
    early = License.objects.select_related("license_type", "issuer").get(pk=lic.pk)
    sign_version(early, early.license_type, early.issuer, key, key_pair(key), early.created_at)
    payload = with_signature(unsigned_of(early, early.license_type, key.key_id), early.signature)
    answer = verify_payload(payload, today=TODAY)
    assert (answer.result, answer.reason) == (VerifyResult.UNKNOWN, "not_yet_signed")

    signed = jobs.sign_pending(actor=SYSTEM, batch_size=4)
    assert (signed.signed, signed.batches) == (6, 2)
    assert jobs.sign_pending(actor=SYSTEM).signed == 0  # nothing signed twice
    licenses = list(License.objects.select_related("license_type", "key"))
    assert set(verdicts(licenses).values()) == {VerifyResult.VALID}
    kinds = sorted(LicenseChange.objects.values_list("kind", flat=True))
    assert kinds == [ChangeKind.ISSUED] * 6 + [ChangeKind.SIGNED] * 6
    events = AuditEvent.objects.filter(action="licenses.signed_batch").order_by("id")
    assert [(e.after or {})["signed"] for e in events] == [4, 2]


def test_the_periodic_task_signs_a_bounded_slice(tmp_path: Path, types: Any) -> None:
    from yiwang.licenses.tasks import sign_pending_licenses

    import_file(
        write_csv(tmp_path / "a.csv", [business(n) for n in range(1, 6)]),
        actor=SYSTEM,
        progress=False,
        sign=False,
    )
    result = sign_pending_licenses.call(limit=3)
    assert result["signed"] == 3
    assert License.objects.filter(signed_at__isnull=True).count() == 2


def test_the_batch_size_and_the_columns_are_pinned() -> None:
    assert BATCH_SIZE == 5000
    assert jobs.SIGN_BATCH == 2000
    assert jobs.PERIODIC_LIMIT == 50_000


def test_clean_row_takes_the_type_and_issuer_from_a_given_identifier(types: Any) -> None:
    from yiwang.licenses.ingest import Context

    issuer = Department.objects.get(code=ISSUER)
    identifier = make_license_id(BUSINESS, issuer.uscc, "X1", 1)
    row = clean_row(
        {
            "identifier": identifier,
            "holder_kind": "person",
            "holder_code": make_id_number("220102", date(1990, 3, 7), 123),
            "holder_name": " 王  五 ",
            "valid_from": "2025-01-01",
        },
        Context.load(TODAY),
    )
    assert (row.type_id, row.issuer_id, row.serial, row.version) == (
        LicenseType.objects.get(code=BUSINESS).pk,
        issuer.pk,
        "X1",
        1,
    )
    assert (row.holder_kind, row.holder_name) == ("person", "王 五")


# --------------------------------------------------------------------------- the command


def _command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):  # argparse's errors write to sys.stdout
            call_command("licenses", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (("frobnicate",), "invalid: unknown action 'frobnicate'; "),
        (("import",), "invalid: import needs a FILE"),
        (("import", "/nonexistent/file.csv"), "invalid: 文件不存在：/nonexistent/file.csv"),
        (("import", "x.csv", "--batch-size", "0"), "invalid: --batch-size must be at least 1"),
        (("import", "x.csv", "--batch-size", "many"), "invalid: argument --batch-size: "),
        (("import", "x.xml", "--format", "xml"), "invalid: 未知的文件格式：xml"),
        (("sign", "extra"), "invalid: sign takes no argument; "),
        (("verify", "1.2.3"), "invalid: "),
        (("verify",), "invalid: verify needs an IDENTIFIER"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, tuple) else "",
)
def test_a_bad_command_line_is_one_invalid_line(
    args: tuple[str, ...], answer: str, types: Any
) -> None:
    status, out = _command(*args)
    assert status == 1
    assert out.startswith(answer)
    assert out.count("\n") <= 1
    assert "Traceback" not in out


def test_the_command_imports_signs_and_verifies(tmp_path: Path, types: Any) -> None:
    path = write_csv(tmp_path / "a.csv", [business(1), business(2, holder_kind="x")])
    status, out = _command("import", str(path), "--quiet", "--no-sign")
    assert status == 0
    report = json.loads(out)
    assert (report["inserted"], report["rejected"], report["unsigned"]) == (1, 1, 1)
    identifier = License.objects.get().identifier
    assert _command("verify", identifier) == (
        1,
        "not signed yet: the signing job has not reached it (yiwang licenses sign)\n",
    )
    assert json.loads(_command("status")[1]) == {"licenses": 1, "signed": 0, "unsigned": 1}
    status, out = _command("sign", "--quiet", "--processes", "1")
    assert status == 0
    assert json.loads(out)["signed"] == 1
    assert _command("verify", identifier) == (0, "valid\n")
    assert _command("import", str(path), "--quiet")[1].startswith("already imported (run ")


# --------------------------------------------------------------------------- the pool's rows


@pytest.mark.parametrize("processes", [1, 2])
def test_a_quoted_line_break_and_backslashes_survive_the_pools_copy_rows(
    tmp_path: Path, types: Any, processes: int
) -> None:
    """The parent cuts records and the pool processes write COPY text themselves: a
    quoted field with a line break is one record (the line numbers after it stay
    right), and a backslash or a quote in a value reaches the database as it was
    (COPY's escapes; a tab or line break is not printable and never gets that far)."""
    rows: list[dict[str, str] | str] = [
        business(1, holder_name="长春\n第一\\公司"),  # lines 2-3: a quoted line break
        business(2, legal_representative='张\\三 "老板"'),  # line 4
        business(3, holder_kind="robot"),  # line 5
        business(4, holder_name='"引号"公司'),  # line 6
    ]
    path = write_csv(tmp_path / "quoted.csv", rows)
    report = import_file(path, actor=SYSTEM, progress=False, today=TODAY, processes=processes)
    assert (report.inserted, report.rejected, report.lines) == (3, 1, 4)
    assert rejects_of(Path(report.rejects_file)) == [(5, "holder_kind: person or entity")]
    stored = list(License.objects.select_related("license_type", "key").order_by("id"))
    names = [lic.holder_name for lic in stored]
    assert names == ["长春 第一\\公司", business(2)["holder_name"], '"引号"公司']
    assert stored[1].metadata["legal_representative"] == '张\\三 "老板"'
    assert set(verdicts(stored).values()) == {VerifyResult.VALID}


def test_the_pool_signs_the_bytes_sign_version_makes(tmp_path: Path, types: Any) -> None:
    """`work.run_chunk` (the pool's path, plain values) and `sealing.sign_version`
    (the issuing services', models) give the same digest, and the pool's signature
    verifies over the payload `sign_version`'s code rebuilds: one canonical encoding."""
    path = write_csv(tmp_path / "a.csv", [business(1), permit(2)])
    import_file(path, actor=SYSTEM, progress=False, today=TODAY, processes=2)
    for lic in License.objects.select_related("license_type", "issuer", "key"):
        again = License.objects.select_related("license_type", "issuer", "key").get(pk=lic.pk)
        assert again.key is not None
        assert lic.key is not None
        assert lic.signed_at is not None
        sign_version(
            again, again.license_type, again.issuer, again.key, _pair(again), lic.signed_at
        )
        assert again.digest == lic.digest
        message = unsigned_of(lic, lic.license_type, lic.key.key_id).encode()
        assert _pair(lic).verifies(message, _unb64(lic.signature))


def _unb64(text: str) -> bytes:
    from yiwang.licenses.signing import unb64url

    return unb64url(text)
