"""Small real files of each accepted kind, and padding to an exact size."""

from __future__ import annotations

import struct
import zlib


def pdf(size: int | None = None) -> bytes:
    """A minimal one-page PDF; padded with a comment before the trailer to `size` bytes."""
    head = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    )
    tail = b"trailer<</Root 1 0 R>>\n%%EOF\n"
    if size is None:
        return head + tail
    filler = size - len(head) - len(tail) - 2
    assert filler >= 0
    return head + b"%" + b"x" * filler + b"\n" + tail


def png() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """SOI, a JFIF APP0 segment, some scan bytes, EOI: the markers the check reads."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xda\x00\x08" + bytes(range(1, 200)) + b"\xff\xd9"
