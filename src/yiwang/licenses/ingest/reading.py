"""Reading an import file as a stream of raw records: CSV with a header row or JSON lines,
each record with the byte offset after it (the checkpoint of a batch)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

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


def read_header(path: Path, fmt: str) -> tuple[list[str], int]:
    """A CSV file's header (aliases applied) and the offset after it; ([], 0) for JSON
    lines."""
    if fmt != "csv":
        return [], 0
    with path.open("rb") as fh:
        first = fh.readline().decode("utf-8-sig", errors="replace")
        header = [ALIASES.get(h.strip(), h.strip()) for h in next(csv.reader([first]), [])]
        return header, fh.tell()


def raw_records(
    path: Path, fmt: str, start: int, start_line: int
) -> Iterator[tuple[int, int, bytes]]:
    """(line number of its last line, offset after it, the record's bytes), from
    `start`; the parsing is the pool processes' (`work.parse_record`).

    CSV: a record ends at a line break outside quotes — the physical lines are joined
    while the record's count of `"` is odd (a quoted field with line breaks; `""` inside
    a quoted field counts two). Empty lines are skipped here, as the csv module skips
    them. JSON lines: one record a line."""
    csv_file = fmt == "csv"
    with path.open("rb") as fh:
        if csv_file:
            _header, after = read_header(path, fmt)
            start, start_line = max(start, after), max(start_line, 1)
        fh.seek(start)
        offset, line_no = start, start_line
        held: list[bytes] = []
        quotes = 0
        for raw in fh:
            offset += len(raw)
            line_no += 1
            if csv_file:
                quotes += raw.count(b'"')
                if quotes % 2:
                    held.append(raw)
                    continue
                if held:
                    held.append(raw)
                    raw, held, quotes = b"".join(held), [], 0
                else:
                    quotes = 0
                    if raw in (b"\n", b"\r\n"):
                        continue
            yield line_no, offset, raw
        if held:  # an unclosed quote at the end: the csv module's error, as a record
            yield line_no, offset, b"".join(held)
