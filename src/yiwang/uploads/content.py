"""What a file is, judged by its bytes; and a safe name for it.

Only three kinds are accepted for materials (PDF, JPEG, PNG). The client's
Content-Type and the file name's extension are claims; the content decides, and a
name that claims another accepted kind than the content is a forgery.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from yiwang.common.errors import UnsupportedMediaType

HEAD_BYTES = 16
#: PDF readers look for %%EOF within the last 1024 bytes (PDF 1.7 Annex H, note 3).
TAIL_BYTES = 1024
NAME_MAX = 120

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IHDR = b"\x00\x00\x00\x0dIHDR"  # the first chunk: IHDR, 13 data bytes
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Scanners and some phones pad the end of a JPEG/PNG with NULs or line ends.
_PADDING = b"\x00\r\n\t "


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    extensions: frozenset[str]
    label: str


PDF = FileKind("application/pdf", "pdf", frozenset({"pdf"}), "PDF")
JPEG = FileKind("image/jpeg", "jpg", frozenset({"jpg", "jpeg", "jpe", "jfif"}), "JPEG")
PNG = FileKind("image/png", "png", frozenset({"png"}), "PNG")
KINDS = (PDF, JPEG, PNG)
_ACCEPTED_EXTENSIONS = {ext: kind for kind in KINDS for ext in kind.extensions}


def sniff(head: bytes, tail: bytes, size: int) -> FileKind | None:
    """The kind the bytes say, or None. `head` is the first bytes, `tail` the last ones.

    PDF: starts with "%PDF-" and has "%%EOF" near the end. JPEG: SOI marker FF D8 FF
    at the start, EOI FF D9 at the end. PNG: the 8-byte signature, IHDR as the first
    chunk, IEND as the last. A truncated file fails the end check.
    """
    if head.startswith(b"%PDF-") and b"%%EOF" in tail[-TAIL_BYTES:]:
        return PDF
    end = tail.rstrip(_PADDING)
    if size >= 6 and head.startswith(b"\xff\xd8\xff") and end.endswith(b"\xff\xd9"):
        return JPEG
    if head[:8] == _PNG_SIGNATURE and head[8:16] == _PNG_IHDR and end.endswith(_PNG_IEND):
        return PNG
    return None


def sniff_file(file: IO[bytes], size: int) -> FileKind | None:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(max(size - TAIL_BYTES, 0))
    tail = file.read(TAIL_BYTES)
    file.seek(0)
    return sniff(head, tail, size)


def safe_name(raw: str | None, kind: FileKind) -> str:
    """The client's file name, made harmless to store and to send back.

    No directories, no control or bidirectional-override characters, none of
    <>:"/\\|?*, no leading dots; at most NAME_MAX characters; always ending in an
    extension of the content's kind. A name whose extension claims another accepted
    kind ("photo.pdf" holding a PNG) is refused; any other extension is kept and the
    right one appended ("notes.txt" holding a PDF is stored as "notes.txt.pdf").
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*')
    name = " ".join(name.split())
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    claimed = _ACCEPTED_EXTENSIONS.get(ext.lower())
    if claimed is not None and claimed != kind:
        raise UnsupportedMediaType(
            _("文件名表明是 %(claimed)s，内容却是 %(actual)s")
            % {"claimed": claimed.label, "actual": kind.label},
            code="unsupported_media_type",
        )
    if claimed is None:
        stem, ext = name, kind.extension
    stem = stem.strip(" .") or "材料"
    stem = stem[: NAME_MAX - len(ext) - 1].rstrip(" .") or "材料"
    return f"{stem}.{ext}"
