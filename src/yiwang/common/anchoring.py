"""Anchoring the audit chain outside the database (issue 10.4, decision 0016).

The SM3 chain alone proves nothing to someone who can write the database: they can
change an event, recompute every later hash and the head. So each new chain head is
signed with the platform's SM2 key, which is kept outside the database (a file:
`YIWANG_AUDIT_KEY_FILE`, generated into the data dir for the demo, required in
production), and the signed checkpoint — seq, head hash, count, time, key id,
signature — is appended to a store outside the database (`CheckpointStore`: an
append-only JSONL file in `YIWANG_AUDIT_CHECKPOINT_DIR` by default; an object store
with a retention lock can replace it). `verify` then compares the chain with the
checkpoints: a rewrite changes a signed hash, a truncation leaves a signed seq beyond
the chain's end, a deleted store leaves a chain with no checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from gmssl_pyx import sm2_key_generate, sm2_sign, sm2_verify, sm3_hash

from yiwang.files import create_whole

CHECKPOINT_FILE = "audit-checkpoints.jsonl"


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    public_key: bytes
    private_key: bytes | None  # None where only verification is needed

    def sign(self, data: bytes) -> str:
        if self.private_key is None:
            raise ImproperlyConfigured("the audit key file holds no private key: cannot sign")
        return bytes(sm2_sign(self.private_key, self.public_key, data)).hex()

    def verifies(self, data: bytes, signature: str) -> bool:
        try:
            return bool(sm2_verify(self.public_key, data, bytes.fromhex(signature)))
        except Exception:  # a malformed signature is a bad one, whatever GmSSL raises
            return False


def key_id_of(public_key: bytes) -> str:
    return bytes(sm3_hash(public_key)).hex()[:16]


def generate_key_file(path: Path) -> None:
    """A new SM2 key pair, written readable by its owner only."""
    public, private = sm2_key_generate()
    content = {
        "algorithm": "SM2",
        "key_id": key_id_of(bytes(public)),
        "public_key": bytes(public).hex(),
        "private_key": bytes(private).hex(),
    }
    create_whole(path, json.dumps(content))


@lru_cache(maxsize=4)
def _load_key(path: str) -> SigningKey:
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
        public = bytes.fromhex(content["public_key"])
        private = bytes.fromhex(content["private_key"]) if content.get("private_key") else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"cannot read the audit signing key {path}: {exc}") from exc
    return SigningKey(key_id_of(public), public, private)


def signing_key() -> SigningKey:
    """The platform key. Outside production a missing key file is generated (the demo);
    in production the settings refuse to start without one."""
    path = Path(settings.YIWANG_AUDIT_KEY_FILE)
    if not path.exists():
        if settings.ENV == "production":
            raise ImproperlyConfigured(f"the audit signing key {path} does not exist")
        with contextlib.suppress(FileExistsError):  # another process generated it first
            generate_key_file(path)
    return _load_key(str(path))


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # the chain head's sequence number
    hash: str  # the chain head's SM3
    count: int  # sealed events in the chain
    time: str  # ISO 8601, UTC
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        content = {
            "seq": self.seq,
            "hash": self.hash,
            "count": self.count,
            "time": self.time,
            "key_id": self.key_id,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()

    @property
    def signed_at(self) -> datetime:
        return datetime.fromisoformat(self.time)


def make_checkpoint(seq: int, head_hash: str, count: int, now: datetime) -> Checkpoint:
    key = signing_key()
    unsigned = Checkpoint(seq, head_hash, count, now.isoformat(), key.key_id)
    return Checkpoint(**{**asdict(unsigned), "signature": key.sign(unsigned.signed_bytes())})


class CheckpointStore(Protocol):
    """Where signed checkpoints go: append-only, outside the database."""

    def append(self, checkpoint: Checkpoint) -> None: ...

    def last(self) -> Checkpoint | None: ...

    def read_all(self) -> list[Checkpoint | str]:
        """Every checkpoint in the order written; a line that is not one is returned as
        its text (verify reports it)."""
        ...

    def describe(self) -> str: ...


class JsonlCheckpointStore:
    """One JSON line per checkpoint in `<dir>/audit-checkpoints.jsonl`, opened for
    appending only and synced to disk before the sealer's transaction commits. Put the
    directory on storage the database's users cannot rewrite (another host, a WORM
    mount); `chattr +a` makes the file append-only on Linux."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / CHECKPOINT_FILE

    def describe(self) -> str:
        return str(self.path)

    def append(self, checkpoint: Checkpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(checkpoint), sort_keys=True, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def last(self) -> Checkpoint | None:
        try:
            with self.path.open("rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 4096))
                lines = f.read().splitlines()
        except FileNotFoundError:
            return None
        for raw in reversed(lines):
            parsed = _parse(raw.decode("utf-8", "replace"))
            if isinstance(parsed, Checkpoint):
                return parsed
        return None

    def read_all(self) -> list[Checkpoint | str]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [_parse(line) for line in text.splitlines() if line.strip()]


def _parse(line: str) -> Checkpoint | str:
    try:
        data = json.loads(line)
        return Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            count=int(data["count"]),
            time=str(data["time"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError):
        return line


def checkpoint_store() -> CheckpointStore:
    """The configured store (`YIWANG_AUDIT_CHECKPOINT_STORE`, a class taking the
    directory `YIWANG_AUDIT_CHECKPOINT_DIR`)."""
    cls = import_string(settings.YIWANG_AUDIT_CHECKPOINT_STORE)
    store: CheckpointStore = cls(settings.YIWANG_AUDIT_CHECKPOINT_DIR)
    return store
