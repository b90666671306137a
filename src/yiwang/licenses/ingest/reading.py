"""Reading an import file as a stream: CSV with a header row or JSON lines, each record
with the byte offset after it (the checkpoint of a batch)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from yiwang.licenses.ingest.rows import ALIASES

# --------------------------------------------------------------------------- reading


def fingerprint(path: Path) -> str:
    """The file's size and digests of its first and last megabyte (credit's rule:
    cheap on a multi-gigabyte extract, different for any re-exported file)."""
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

    def __init__(self, fh: IO[bytes], line_no: int) -> None:
        self.fh = fh
        self.offset = fh.tell()
        self.line_no = line_no

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.offset += len(raw)
            self.line_no += 1
            yield raw.decode("utf-8", errors="replace")


def records(
    path: Path, fmt: str, start: int, start_line: int
) -> Iterator[tuple[int, int, Mapping[str, Any] | str]]:
    """(line number, offset after the record, the record or why it is unreadable)."""
    with path.open("rb") as fh:
        header: list[str] = []
        if fmt == "csv":
            first = fh.readline().decode("utf-8-sig", errors="replace")
            header = [ALIASES.get(h.strip(), h.strip()) for h in next(csv.reader([first]), [])]
            start, start_line = max(start, fh.tell()), max(start_line, 1)
        fh.seek(start)
        reader = _LineReader(fh, start_line)
        if fmt == "csv":
            rows = csv.reader(reader)
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    return
                except csv.Error as exc:  # a field past the csv module's size limit
                    yield reader.line_no, reader.offset, f"not CSV: {exc}"
                    continue
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
        for line in reader:
            text = line.lstrip("\ufeff")
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
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
