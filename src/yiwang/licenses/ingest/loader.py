"""The import of one file: batches, checkpoint, rejects file, audit (package docstring)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import ValidationFailed
from yiwang.licenses.import_run import ImportStatus, LicenseImport
from yiwang.licenses.ingest.reading import detect_format, fingerprint, raw_records, read_header
from yiwang.licenses.ingest.rows import Context
from yiwang.licenses.ingest.signer import Signer
from yiwang.licenses.ingest.work import Chunk, Work, parse_record
from yiwang.licenses.ingest.writing import insert_rows
from yiwang.licenses.models import License

#: Rows per transaction and checkpoint (`--batch-size`).
BATCH_SIZE = 5000


# --------------------------------------------------------------------------- the import


@dataclass
class ImportReport:
    run_id: int
    file: str
    inserted: int
    existing: int
    rejected: int
    lines: int
    batches: int
    seconds: float
    unsigned: int = 0
    resumed_from_line: int = 0
    already_imported: bool = False
    rejects_file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Queued:
    """A batch handed to the pool: what its commit needs."""

    records: list[tuple[int, bytes]]  # (line, the record's bytes)
    pending: Any  # () -> list[Chunk]
    now: datetime
    offset: int
    line_no: int


@dataclass
class _Done:
    """A batch's rows back from the pool, the duplicates within it rejected."""

    rows: list[Any] = field(default_factory=list)
    bad: list[tuple[int, str, Any]] = field(default_factory=list)
    serials: dict[tuple[int, int, int], int] = field(default_factory=dict)
    blank: int = 0


def crash_hook(name: str) -> tuple[str, int] | None:
    """`YIWANG_TEST_CRASH_<NAME>=after:N|inside:N`: the process dies (os._exit, no
    clean-up, as a kill would) after its N-th committed batch, or inside batch N after
    its writes and before its commit. For the crash tests only."""
    text = os.environ.get(f"YIWANG_TEST_CRASH_{name}", "")
    where, _sep, count = text.partition(":")
    if where in ("after", "inside") and count.isdigit():
        return where, int(count)
    return None


def die_if(hook: tuple[str, int] | None, where: str, batch_no: int) -> None:
    if hook is not None and hook == (where, batch_no):
        sys.stderr.flush()
        os._exit(137)


def import_file(
    path: str | Path,
    *,
    actor: Actor,
    fmt: str | None = None,
    batch_size: int | None = None,
    rejects_path: str | Path | None = None,
    again: bool = False,
    progress: bool = True,
    today: date | None = None,
    sign: bool = True,
    processes: int | None = None,
) -> ImportReport:
    """Import a license file (docs/licenses.md "Bulk import"); resumable, idempotent.

    With `sign` (the default) each batch is signed before it is written, in
    `processes` processes (default: one per core; one on SQLite), so every license is
    verifiable the moment its batch commits. `sign=False` imports them unsigned
    (`signed_at` null, "not yet signed") for the signing job (`licenses.jobs`)."""
    actor = as_actor(actor)
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in ("csv", "jsonl"):
        raise ValidationFailed(
            _("未知的文件格式：%(fmt)s（应为 csv 或 jsonl）") % {"fmt": fmt},
            field="format",
            code="unknown_import_format",
        )
    if not path.is_file():
        raise ValidationFailed(
            _("文件不存在：%(path)s") % {"path": str(path)}, field="file", code="no_such_file"
        )
    batch_size = max(1, batch_size or BATCH_SIZE)
    ctx = Context.load(today or timezone.localdate())
    if not ctx.types:
        raise ValidationFailed(
            _("尚未加载证照类型，请先运行 yiwang seed demo 或加载证照类型数据"),
            code="no_license_types",
        )
    rejects = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.jsonl")
    started = time.monotonic()
    print_ = fingerprint(path)
    done = (
        LicenseImport.objects.filter(fingerprint=print_, status=ImportStatus.DONE)
        .order_by("-pk")
        .first()
    )
    if done is not None and not again:
        return ImportReport(
            done.pk, str(path), 0, 0, 0, 0, 0, 0.0, already_imported=True, rejects_file=""
        )
    run = (
        LicenseImport.objects.filter(fingerprint=print_, status=ImportStatus.RUNNING)
        .order_by("-pk")
        .first()
    )
    if run is None:
        with transaction.atomic():
            run = LicenseImport.objects.create(
                fingerprint=print_, file_name=str(path)[:500], actor_label=actor.label[:150]
            )
            record(
                "licenses.import_started",
                run,
                actor=actor,
                after={"file": str(path), "fingerprint": print_},
            )
        rejects.unlink(missing_ok=True)
    resumed_from = int(run.line_no)
    # What the last committed batch left: a batch re-read after a crash adds its
    # rejects again, so the file is cut back to the checkpoint first.
    if rejects.exists() and rejects.stat().st_size > run.rejects_offset:
        with rejects.open("r+b") as fh:
            fh.truncate(run.rejects_offset)
    crash = crash_hook("IMPORT")
    if processes is None:
        processes = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
    header, _after = read_header(path, fmt)
    copy_text = connection.vendor == "postgresql"
    signer = Signer(processes, ctx.today, Work(ctx, fmt, header), sign=sign)
    bar = tqdm(
        total=path.stat().st_size,
        initial=run.byte_offset,
        unit="B",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        desc="licenses import",
    )
    lines = 0
    batches_now = 0

    def submit(records: list[tuple[int, bytes]], offset: int, line_no: int) -> _Queued:
        """Hand a batch to the pool (it works while the next batch is cut and the last
        one is written)."""
        now = timezone.now()
        return _Queued(records, signer.submit(records, now, copy_text), now, offset, line_no)

    def collect(queued: _Queued) -> _Done:
        """The batch's rows in file order. Rows of an issuer seen for the first time
        come back unsigned: its key is made here (audited) and they go round again. A
        second row of the batch with the same identifier is rejected, as before the
        pool (the first one wins)."""
        chunks: list[Chunk] = queued.pending()
        keyless = [r for c in chunks for r in c.keyless]
        if keyless:
            signer.make_keys({i for c in chunks for i in c.keyless_issuers})
            chunks += signer.run(keyless, queued.now, copy_text)
        done = _Done()
        good = [g for c in chunks for g in c.good]
        if keyless:
            good.sort(key=lambda g: g[0])
        seen: dict[str, int] = {}
        by_line: dict[int, bytes] | None = None
        for line, identifier, row in good:
            first = seen.setdefault(identifier, line)
            if first == line:
                done.rows.append(row)
                continue
            by_line = by_line or dict(queued.records)
            item = parse_record(signer.work, by_line[line])
            done.bad.append((line, f"duplicate of line {first}", item))
        for c in chunks:
            done.bad += c.bad
            done.blank += c.blank
            for bucket, last in c.serials.items():
                done.serials[bucket] = max(done.serials.get(bucket, 0), last)
        done.bad.sort(key=lambda b: b[0])
        return done

    def commit(queued: _Queued) -> None:
        """Write a batch and its checkpoint in one transaction."""
        nonlocal batches_now, lines
        now = queued.now
        done = collect(queued)
        lines += len(queued.records) - done.blank
        with transaction.atomic():
            inserted = insert_rows(done.rows, now, done.serials)
            rejects_size = _write_rejects(rejects, done.bad, run.rejects_offset)
            existing = len(done.rows) - inserted
            number = run.batches + 1
            LicenseImport.objects.filter(pk=run.pk).update(
                byte_offset=queued.offset,
                line_no=queued.line_no,
                batches=number,
                inserted=run.inserted + inserted,
                existing=run.existing + existing,
                rejected=run.rejected + len(done.bad),
                rejects_offset=rejects_size,
                updated_at=now,
            )
            record(
                "licenses.import_batch",
                run,
                actor=actor,
                after={
                    "batch": number,
                    "to_line": queued.line_no,
                    "inserted": inserted,
                    "existing": existing,
                    "rejected": len(done.bad),
                    "signed": sign and bool(done.rows),
                },
            )
            die_if(crash, "inside", batches_now + 1)
        run.refresh_from_db()
        bar.update(queued.offset - bar.n)
        bar.set_postfix(
            inserted=run.inserted, existing=run.existing, rejected=run.rejected, refresh=False
        )
        batches_now += 1
        die_if(crash, "after", batches_now)

    in_flight: _Queued | None = None
    batch: list[tuple[int, bytes]] = []
    last_offset, last_line = int(run.byte_offset), int(run.line_no)
    queued_offset = last_offset
    try:
        for line, offset, data in raw_records(path, fmt, int(run.byte_offset), int(run.line_no)):
            batch.append((line, data))
            last_offset, last_line = offset, line
            if len(batch) >= batch_size:
                # One batch in flight: batch N is worked on while N-1 is written (in
                # file order, so the checkpoint only moves forward) and N+1 is cut.
                queued = submit(batch, last_offset, last_line)
                if in_flight is not None:
                    commit(in_flight)
                in_flight, batch, queued_offset = queued, [], last_offset
        if batch or last_offset != queued_offset:
            queued = submit(batch, last_offset, last_line)
            if in_flight is not None:
                commit(in_flight)
            in_flight = queued
        if in_flight is not None:
            commit(in_flight)
            in_flight = None
        with transaction.atomic():
            LicenseImport.objects.filter(pk=run.pk).update(
                status=ImportStatus.DONE, finished_at=timezone.now()
            )
            run.refresh_from_db()
            record(
                "licenses.import_finished",
                run,
                actor=actor,
                after={
                    "inserted": run.inserted,
                    "existing": run.existing,
                    "rejected": run.rejected,
                },
            )
    finally:
        bar.close()
        signer.close()
    return ImportReport(
        run.pk,
        str(path),
        int(run.inserted),
        int(run.existing),
        int(run.rejected),
        lines,
        int(run.batches),
        round(time.monotonic() - started, 3),
        unsigned=License.objects.filter(signed_at__isnull=True).count(),
        resumed_from_line=resumed_from,
        rejects_file=str(rejects) if run.rejected else "",
    )


def _write_rejects(rejects: Path, bad: list[tuple[int, str, Any]], committed: int) -> int:
    """Append the batch's bad rows (JSON lines: line, reason, row) and return the
    file's new size, which the batch's checkpoint records. Flushed to disk before the
    batch commits: a crash after the commit never loses them, one before it is cut
    back on resume."""
    if not bad:
        return committed
    with rejects.open("ab") as out:
        for line, reason, row in bad:
            out.write(
                (
                    json.dumps(
                        {"line": line, "reason": reason, "row": row},
                        ensure_ascii=False,
                        default=str,
                    )
                    + "\n"
                ).encode("utf-8")
            )
        out.flush()
        os.fsync(out.fileno())
        return out.tell()
