"""Kinds judged by content; names made safe."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.uploads import samples
from yiwang.common.errors import UnsupportedMediaType
from yiwang.uploads.content import JPEG, KINDS, PDF, PNG, FileKind, safe_name, sniff


def _sniff(data: bytes) -> FileKind | None:
    return sniff(data[:16], data[-1024:], len(data))


def test_each_accepted_kind_is_recognised() -> None:
    assert _sniff(samples.pdf()) is PDF
    assert _sniff(samples.png()) is PNG
    assert _sniff(samples.jpeg()) is JPEG
    assert _sniff(samples.jpeg() + b"\x00\x00\r\n") is JPEG  # scanner padding


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is text pretending to be a PDF",
        b"%PDF-1.4\n" + b"x" * 100,  # no %%EOF: truncated
        b"%PDF-1.4\n%%EOF\n" + b" " * 2000,  # %%EOF not within the last 1024 bytes
        samples.pdf()[1:],
        samples.jpeg()[:-2],  # truncated JPEG
        b"\xff\xd8\xff\xd9",  # markers only, overlapping
        samples.png()[:-12],  # no IEND
        samples.png()[:8] + b"\x00\x00\x00\x0dIDAT" + samples.png()[16:],  # IHDR not first
        b"GIF89a" + b"\x00" * 100,
        b"<html><script>alert(1)</script></html>%%EOF",
        b"PK\x03\x04" + b"\x00" * 100,
    ],
)
def test_everything_else_is_not_accepted(data: bytes) -> None:
    assert _sniff(data) is None


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("营业执照.pdf", PDF, "营业执照.pdf"),
        ("SCAN.PDF", PDF, "SCAN.PDF"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
        ("微信图片.jfif", JPEG, "微信图片.jfif"),
        ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
        ("C:\\Users\\张三\\身份证.png", PNG, "身份证.png"),
        ("scan", PDF, "scan.pdf"),
        ("notes.txt", PDF, "notes.txt.pdf"),
        ("evil.html", PNG, "evil.html.png"),
        ('a"b<c>|?*.pdf', PDF, "abc.pdf"),
        ("   ", PDF, "材料.pdf"),
        ("", JPEG, "材料.jpg"),
        (None, PNG, "材料.png"),
        (".pdf", PDF, "材料.pdf"),
        ("report\u202efdp.exe", PDF, "reportfdp.exe.pdf"),  # right-to-left override removed
        ("a\r\nb\tc.pdf", PDF, "abc.pdf"),
        ("多  空格   名.pdf", PDF, "多 空格 名.pdf"),
    ],
)
def test_safe_names(raw: str | None, kind: FileKind, expected: str) -> None:
    assert safe_name(raw, kind) == expected


@pytest.mark.parametrize(
    ("raw", "kind"), [("photo.pdf", PNG), ("scan.png", PDF), ("id.jpg", PDF), ("x.pdf", JPEG)]
)
def test_a_name_claiming_another_accepted_kind_is_a_forgery(raw: str, kind: FileKind) -> None:
    with pytest.raises(UnsupportedMediaType):
        safe_name(raw, kind)


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_name("长" * 300 + ".pdf", PDF)
    assert len(name) == 120
    assert name.endswith(".pdf")


@given(raw=st.text(max_size=300), kind=st.sampled_from(KINDS))
def test_any_name_is_safe_or_refused(raw: str, kind: FileKind) -> None:
    try:
        name = safe_name(raw, kind)
    except UnsupportedMediaType:
        return
    assert 0 < len(name) <= 120
    assert not set(name) & set('/\\<>:"|?*')
    assert all(ch.isprintable() for ch in name)
    assert not name.startswith(".")
    assert name.rsplit(".", 1)[1].lower() in kind.extensions
