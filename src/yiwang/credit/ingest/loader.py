"""Bulk loads from the registration source and from departments' systems (a service:
the only writer of registry rows).

A file (CSV with a header row, or JSON lines) is read as a stream in batches. Each
batch is one transaction that upserts its rows *and* advances the run's checkpoint
(`LoadRun.byte_offset`), so a load killed at any moment resumes after the last
committed batch and nothing is applied twice. Rows are upserted by their natural key
— the USCC for enterprises, (department, source_ref) for disclosures — and a row
whose content has not changed is counted `unchanged` and not written: a second run of
the same file writes nothing. A file already loaded completely is recognised by its
fingerprint and skipped (unless `again=True`). Bad rows go to a rejects file (JSON
lines: line number, reason, the row) while the rest loads. One audit event per batch
records what was loaded; the file is the row-level provenance. How a row is checked
and normalised is `credit.ingest.cleaning`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import ValidationFailed
from yiwang.credit.choices import (
    DisclosureSource,
    LoadKind,
    LoadStatus,
)
from yiwang.credit.conf import credit_setting
from yiwang.credit.ingest.cleaning import (
    ALIASES,
    DISCLOSURE_DATA,
    ENTERPRISE_FIELDS,
    RowRejected,
    clean_disclosure_row,
    clean_enterprise_row,
)
from yiwang.credit.models import Disclosure, DisclosureRevision, Enterprise, LoadRun
from yiwang.org.models import Department
from yiwang.org.selectors import departments_in, region_tree


def content_hash(values: Mapping[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class BatchCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, Mapping[str, Any]]] = field(default_factory=list)


def upsert_enterprises(rows: list[tuple[int, dict[str, Any]]]) -> BatchCounts:
    """Upsert cleaned registry rows by USCC; call inside the batch's transaction.

    Rows whose content hash is unchanged are not written. The last row of a USCC in
    the batch wins. List flags and `created_at` are never touched by a load. On
    PostgreSQL the batch goes in by COPY into a staging table and one INSERT ... ON
    CONFLICT; elsewhere by bulk_create(update_conflicts=True).
    """
    latest: dict[str, dict[str, Any]] = {}
    for _position, values in rows:
        latest[values["uscc"]] = values
    hashed = [(values, content_hash(values)) for values in latest.values()]
    if connection.vendor == "postgresql":
        counts = _upsert_by_copy(hashed)
    else:
        counts = _upsert_by_bulk_create(hashed)
    counts.unchanged += len(rows) - len(latest)  # superseded duplicates within the batch
    return counts


_WRITTEN = [f for f in ENTERPRISE_FIELDS if f != "uscc"] + ["content_hash", "updated_at"]


def _upsert_by_bulk_create(hashed: list[tuple[dict[str, Any], str]]) -> BatchCounts:
    counts = BatchCounts()
    existing = dict(
        Enterprise.objects.filter(uscc__in=[v["uscc"] for v, _ in hashed]).values_list(
            "uscc", "content_hash"
        )
    )
    now = timezone.now()
    to_write = []
    for values, digest in hashed:
        uscc = values["uscc"]
        if existing.get(uscc) == digest:
            counts.unchanged += 1
            continue
        if uscc in existing:
            counts.updated += 1
        else:
            counts.inserted += 1
        to_write.append(Enterprise(**values, content_hash=digest, created_at=now, updated_at=now))
    if to_write:
        Enterprise.objects.bulk_create(
            to_write, update_conflicts=True, unique_fields=["uscc"], update_fields=_WRITTEN
        )
    return counts


_STAGE_COLUMNS = [*ENTERPRISE_FIELDS, "content_hash"]


def _upsert_by_copy(hashed: list[tuple[dict[str, Any], str]]) -> BatchCounts:
    columns = ", ".join(_STAGE_COLUMNS)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in _WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS credit_load_stage ON COMMIT DELETE ROWS AS "  # noqa: S608 - constant names
            f"SELECT {columns} FROM credit_enterprise WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY credit_load_stage ({columns}) FROM STDIN") as copy:
            for values, digest in hashed:
                copy.write_row([*(values[f] for f in ENTERPRISE_FIELDS), digest])
        cursor.execute(
            "SELECT count(*) FILTER (WHERE e.id IS NULL),"
            " count(*) FILTER (WHERE e.content_hash <> s.content_hash)"
            " FROM credit_load_stage s LEFT JOIN credit_enterprise e ON e.uscc = s.uscc"
        )
        inserted, updated = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO credit_enterprise ({columns}, abnormal, serious, exposed, created_at, updated_at) "  # noqa: S608
            f"SELECT {columns}, false, false, false, now(), now() FROM credit_load_stage s "
            "WHERE NOT EXISTS (SELECT 1 FROM credit_enterprise e"
            " WHERE e.uscc = s.uscc AND e.content_hash = s.content_hash) "
            f"ON CONFLICT (uscc) DO UPDATE SET {assignments.replace('EXCLUDED.updated_at', 'now()')}"
        )
        cursor.execute("TRUNCATE credit_load_stage")
    return BatchCounts(
        inserted=inserted, updated=updated, unchanged=len(hashed) - inserted - updated
    )


# --------------------------------------------------------------------------- disclosures


def known_departments() -> dict[str, Department]:
    """Every department of the org data by code (one query per province)."""
    found: dict[str, Department] = {}
    for root in region_tree(down_to="province"):
        for department in departments_in(root.code):
            found[department.code] = department
    return found


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in values.items()}


def upsert_disclosures(
    rows: list[tuple[int, dict[str, Any]]], departments: dict[str, Department]
) -> BatchCounts:
    """Upsert departments' records by (department, source_ref): a changed record is a
    correction (new version, history kept); an unknown enterprise or department rejects
    the row."""
    counts = BatchCounts()
    enterprise_ids = dict(
        Enterprise.objects.filter(uscc__in={v["uscc"] for _, v in rows}).values_list("uscc", "pk")
    )
    keyed: dict[tuple[int, str], tuple[int, dict[str, Any], int]] = {}
    for line, values in rows:
        department = departments.get(values["department"])
        if department is None:
            counts.rejected.append((line, f"department: unknown {values['department']!r}", values))
            continue
        enterprise_id = enterprise_ids.get(values["uscc"])
        if enterprise_id is None:
            counts.rejected.append((line, f"uscc: {values['uscc']} is not in the registry", values))
            continue
        keyed[(department.pk, values["source_ref"])] = (line, values, enterprise_id)
    existing = {
        (d.department_id, d.source_ref): d
        for d in Disclosure.objects.filter(
            source_ref__in={ref for _, ref in keyed}, department_id__in={dep for dep, _ in keyed}
        )
    }
    now = timezone.now()
    new: list[Disclosure] = []
    changed: list[Disclosure] = []
    superseded: list[DisclosureRevision] = []
    for key, (_ref, values, enterprise_id) in keyed.items():
        data = {name: values[name] for name in DISCLOSURE_DATA}
        current = existing.get(key)
        if current is None:
            new.append(
                Disclosure(
                    enterprise_id=enterprise_id,
                    department_id=key[0],
                    source=DisclosureSource.BULK,
                    source_ref=key[1],
                    published_at=now,
                    **data,
                )
            )
        elif (
            _jsonable({n: getattr(current, n) for n in DISCLOSURE_DATA}) != _jsonable(data)
            or current.enterprise_id != enterprise_id
            or current.withdrawn_at
        ):
            superseded.append(
                DisclosureRevision(
                    disclosure=current,
                    version=current.version,
                    data=_jsonable({n: getattr(current, n) for n in DISCLOSURE_DATA}),
                    reason="部门业务系统批量更正",
                    changed_at=now,
                )
            )
            for name, value in data.items():
                setattr(current, name, value)
            current.enterprise_id = enterprise_id
            current.version += 1
            current.corrected_at = now
            current.withdrawn_at = None
            current.withdrawal_reason = ""
            changed.append(current)
        else:
            counts.unchanged += 1
    _insert_disclosures(new)
    if changed:
        Disclosure.objects.bulk_update(
            changed,
            [
                *DISCLOSURE_DATA,
                "enterprise_id",
                "version",
                "corrected_at",
                "withdrawn_at",
                "withdrawal_reason",
            ],
        )
    DisclosureRevision.objects.bulk_create(superseded)
    counts.inserted += len(new)
    counts.updated += len(changed)
    counts.unchanged += len(rows) - len(counts.rejected) - len(keyed)
    return counts


_DISCLOSURE_COLUMNS = (
    "enterprise_id",
    "department_id",
    "source",
    "source_ref",
    "published_at",
    *DISCLOSURE_DATA,
    "version",
    "withdrawal_reason",
)


def _insert_disclosures(new: list[Disclosure]) -> None:
    """New records: by COPY on PostgreSQL (they were checked absent, no conflict
    is possible inside the batch's transaction), by bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Disclosure.objects.bulk_create(new)
        return
    with connection.cursor() as cursor:
        columns = ", ".join(_DISCLOSURE_COLUMNS)
        with cursor.cursor.copy(f"COPY credit_disclosure ({columns}) FROM STDIN") as copy:
            for d in new:
                copy.write_row([getattr(d, c) for c in _DISCLOSURE_COLUMNS])


# --------------------------------------------------------------------------- reading files


def fingerprint(path: Path) -> str:
    """The file's size and digests of its first and last megabyte: cheap on a 3 GB
    extract, and different for any re-exported file in practice."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(-(1 << 20), io.SEEK_END)
            digest.update(fh.read())
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    return "csv" if path.suffix.lower() in (".csv", ".txt") else "jsonl"


class _LineReader:
    """Binary lines with the byte offset after each: the checkpoint of a record."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.offset = fh.tell()
        self.line_no = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.offset += len(raw)
            self.line_no += 1
            yield raw.decode(
                "utf-8-sig" if self.line_no == 1 and self.offset == len(raw) else "utf-8",
                errors="replace",
            )


def _records(
    path: Path, fmt: str, start: int, start_line: int
) -> Iterator[tuple[int, int, Mapping[str, Any] | str]]:
    """(line number, offset after the record, the record or an error text) from `start`."""
    with path.open("rb") as fh:
        header: list[str] = []
        if fmt == "csv":
            first = fh.readline().decode("utf-8-sig")
            header = [ALIASES.get(h.strip(), h.strip()) for h in next(csv.reader([first]))]
            start = max(start, fh.tell())
            start_line = max(start_line, 1)
        fh.seek(start)
        reader = _LineReader(fh)
        reader.line_no = start_line
        if fmt == "csv":
            for values in csv.reader(reader):
                if not values or values == [""]:
                    continue
                if len(values) != len(header):
                    yield (
                        reader.line_no,
                        reader.offset,
                        f"expected {len(header)} columns, got {len(values)}",
                    )
                else:
                    yield reader.line_no, reader.offset, dict(zip(header, values, strict=True))
            return
        for line in reader:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield reader.line_no, reader.offset, f"not JSON: {exc.msg}"
                continue
            if not isinstance(obj, dict):
                yield reader.line_no, reader.offset, "not a JSON object"
                continue
            yield (
                reader.line_no,
                reader.offset,
                {ALIASES.get(str(k), str(k)): v for k, v in obj.items()},
            )


# --------------------------------------------------------------------------- the load


@dataclass
class LoadReport:
    run_id: int
    kind: str
    file: str
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    lines: int
    batches: int
    seconds: float
    resumed_from_line: int = 0
    already_loaded: bool = False
    rejects_file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_file(
    path: str | Path,
    *,
    kind: str = LoadKind.ENTERPRISES,
    actor: Actor,
    fmt: str | None = None,
    batch_size: int | None = None,
    rejects_path: str | Path | None = None,
    again: bool = False,
    progress: bool = True,
    today: date | None = None,
    stop_after_batches: int | None = None,
) -> LoadReport:
    """Load a registry (`kind="enterprises"`) or disclosure file; resumable, idempotent.

    `stop_after_batches` ends the load early as a crash would (after that many
    committed batches): for tests and for loading a huge file in slices.
    """
    path = Path(path)
    if kind not in LoadKind.values:
        raise ValidationFailed(
            _("未知的导入类别：%(kind)r") % {"kind": kind}, field="kind", code="unknown_load_kind"
        )
    fmt = fmt or detect_format(path)
    if fmt not in ("csv", "jsonl"):
        raise ValidationFailed(
            _("未知的文件格式：%(fmt)r（应为 csv 或 jsonl）") % {"fmt": fmt},
            field="format",
            code="unknown_load_format",
        )
    batch_size = batch_size or int(credit_setting("LOAD_BATCH_SIZE"))
    today = today or timezone.localdate()
    rejects = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.jsonl")
    started = time.monotonic()
    print_ = fingerprint(path)
    done = (
        LoadRun.objects.filter(kind=kind, fingerprint=print_, status=LoadStatus.DONE)
        .order_by("-pk")
        .first()
    )
    if done is not None and not again:
        return LoadReport(
            done.pk,
            kind,
            str(path),
            0,
            0,
            0,
            0,
            0,
            0,
            0.0,
            already_loaded=True,
            rejects_file=str(rejects),
        )
    run = (
        LoadRun.objects.filter(kind=kind, fingerprint=print_, status=LoadStatus.RUNNING)
        .order_by("-pk")
        .first()
    )
    if run is None:
        run = LoadRun.objects.create(
            kind=kind, fingerprint=print_, file_name=str(path)[:500], actor_label=_label(actor)
        )
        record(
            "credit.load_started",
            run,
            actor=actor,
            after={"kind": kind, "file": str(path), "fingerprint": print_},
        )
    resumed_from = int(run.line_no)
    clean: Callable[..., dict[str, Any]] = (
        clean_enterprise_row if kind == LoadKind.ENTERPRISES else clean_disclosure_row
    )
    departments = known_departments() if kind == LoadKind.DISCLOSURES else {}
    size = path.stat().st_size
    bar = tqdm(
        total=size,
        initial=run.byte_offset,
        unit="B",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        desc=f"credit {kind}",
    )
    batch: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str, Any]] = []
    lines = 0
    last_offset, last_line = int(run.byte_offset), int(run.line_no)
    batches_now = 0

    def commit() -> None:
        nonlocal batch, bad, batches_now
        with transaction.atomic():
            counts = (
                upsert_enterprises(batch)
                if kind == LoadKind.ENTERPRISES
                else upsert_disclosures(batch, departments)
            )
            bad += counts.rejected
            LoadRun.objects.filter(pk=run.pk).update(
                byte_offset=last_offset,
                line_no=last_line,
                batches=run.batches + 1,
                inserted=run.inserted + counts.inserted,
                updated=run.updated + counts.updated,
                unchanged=run.unchanged + counts.unchanged,
                rejected=run.rejected + len(bad),
                updated_at=timezone.now(),
            )
            record(
                "credit.load_batch",
                run,
                actor=actor,
                after={
                    "batch": run.batches + 1,
                    "to_line": last_line,
                    "inserted": counts.inserted,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                    "rejected": len(bad),
                },
            )
        run.refresh_from_db()
        if bad:
            # Written after the commit: a crash before it re-reads this batch anyway.
            with rejects.open("a", encoding="utf-8") as out:
                for line, reason, row in bad:
                    out.write(
                        json.dumps(
                            {"line": line, "reason": reason, "row": row},
                            ensure_ascii=False,
                            default=str,
                        )
                        + "\n"
                    )
        bar.update(last_offset - bar.n)
        bar.set_postfix(
            inserted=run.inserted,
            updated=run.updated,
            unchanged=run.unchanged,
            rejected=run.rejected,
            refresh=False,
        )
        batch, bad = [], []
        batches_now += 1

    try:
        for line, offset, item in _records(path, fmt, int(run.byte_offset), int(run.line_no)):
            lines += 1
            if isinstance(item, str):
                bad.append((line, item, None))
            else:
                try:
                    batch.append((line, clean(item, today=today)))
                except RowRejected as exc:
                    bad.append((line, str(exc), item))
            last_offset, last_line = offset, line
            if len(batch) + len(bad) >= batch_size:
                commit()
                if stop_after_batches is not None and batches_now >= stop_after_batches:
                    break
        else:
            if batch or bad or last_offset != run.byte_offset:
                commit()
            LoadRun.objects.filter(pk=run.pk).update(
                status=LoadStatus.DONE, finished_at=timezone.now()
            )
            run.refresh_from_db()
            record(
                "credit.load_finished",
                run,
                actor=actor,
                after={
                    "inserted": run.inserted,
                    "updated": run.updated,
                    "unchanged": run.unchanged,
                    "rejected": run.rejected,
                },
            )
    finally:
        bar.close()
    return LoadReport(
        run.pk,
        kind,
        str(path),
        int(run.inserted),
        int(run.updated),
        int(run.unchanged),
        int(run.rejected),
        lines,
        int(run.batches),
        round(time.monotonic() - started, 3),
        resumed_from_line=resumed_from,
        rejects_file=str(rejects) if run.rejected else "",
    )


def _label(actor: Actor) -> str:
    """The run's actor as the audit log names it (the username, or the reason)."""
    return as_actor(actor).label[:150]
