"""SM2 signatures of e-licenses, and the authorities' keys at rest (docs/licenses.md).

- **Signature**: SM2 (GB/T 32918.2) with SM3, the default user id `1234567812345678`:
  e = SM3(Z_A || M), Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
  (GB/T 32918.2 §5.5). Z_A depends on the key only, so it is computed once per key
  (`KeyMaterial.za`) and each signature is one `sm2_sign_sm3_digest` of e — GmSSL in C
  (gmssl-pyx), its nonce from GmSSL's own CSPRNG. `sm2_sign` would compute Z_A again on
  every call (~10x the cost here; ARCHITECTURE.md's stack table). The signature is DER
  (SEQUENCE of r, s), carried base64url without padding in the QR payload.
- **Key id**: the first 16 hex characters of SM3 over the 64-byte public key X || Y as
  gmssl-pyx gives it, i.e. exactly `common.anchoring.key_id_of` (one rule for every key
  of the platform; docs/licenses.md). The key is *published* as the 130-hex-character
  uncompressed point 04 || X || Y that JS SM2 libraries take; a verifier drops the
  leading `04` before hashing.
- **At rest**: private keys are sealed with SM4-GCM (gmssl-pyx) under the master key
  `YIWANG_LICENSE_MASTER_KEY` (32 hex characters = 128 bits, SM4's key size), a fresh
  12-byte nonce per key and the key id as associated data, so a sealed key moved to
  another row does not open. SM4 rather than AES: the national algorithm, from the library
  already signing; decision 0019.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from gmssl_pyx import (
    rand_bytes,
    sm2_key_generate,
    sm2_sign_sm3_digest,
    sm2_verify_sm3_digest,
    sm3_hash,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

from yiwang.common.anchoring import key_id_of

#: GB/T 32918 default signer id (the user id both sides must use).
DEFAULT_USER_ID = b"1234567812345678"

# The SM2 curve (GB/T 32918.5): a, b and the base point G, 32 bytes each.
_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")

SEAL_FORMAT = "sm4gcm1"
_NONCE = 12
_TAG = 16


class SealError(ValueError):
    """A sealed private key that does not open under the master key."""


def public_key_bytes(raw: bytes) -> bytes:
    """The 65-byte uncompressed point 04||X||Y of a gmssl-pyx public key (64 bytes)."""
    if len(raw) == 65 and raw[0] == 4:
        return raw
    if len(raw) != 64:
        raise ValueError(f"an SM2 public key has 64 or 65 bytes, not {len(raw)}")
    return b"\x04" + raw


def key_id(public: bytes) -> str:
    """The key id of an SM2 public key given as 64 bytes X||Y or 65 bytes 04||X||Y:
    `common.anchoring.key_id_of` over X||Y (SM3, first 16 hex characters)."""
    return key_id_of(public_key_bytes(public)[1:])


def z_a(public65: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), GB/T 32918.2 §5.5."""
    point = public_key_bytes(public65)
    entl = (len(user_id) * 8).to_bytes(2, "big")
    return bytes(sm3_hash(entl + user_id + _A + _B + _GX + _GY + point[1:33] + point[33:65]))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url without padding; ValueError on anything else (padding, other
    alphabets, a length no encoder makes)."""
    if not text or len(text) % 4 == 1 or any(c not in _B64URL for c in text):
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class PublicKey:
    """A key that verifies: its id, 04||X||Y and Z_A (computed once)."""

    key_id: str
    public: bytes
    za: bytes

    @classmethod
    def of(cls, public_hex_or_bytes: str | bytes) -> PublicKey:
        raw = (
            bytes.fromhex(public_hex_or_bytes)
            if isinstance(public_hex_or_bytes, str)
            else public_hex_or_bytes
        )
        public = public_key_bytes(raw)
        return cls(key_id(public), public, z_a(public))

    def digest_of(self, message: bytes) -> bytes:
        """e = SM3(Z_A || M)."""
        return bytes(sm3_hash(self.za + message))

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` (DER) is this key's over `message`; never raises."""
        try:
            return bool(sm2_verify_sm3_digest(self.public[1:], self.digest_of(message), signature))
        except Exception:  # whatever GmSSL makes of a malformed DER: a bad signature
            return False


@dataclass(frozen=True)
class KeyPair(PublicKey):
    """A key that signs (the private key only ever in memory)."""

    private: bytes = b""

    def sign(self, message: bytes) -> bytes:
        """The DER SM2 signature of `message` (default user id)."""
        return bytes(sm2_sign_sm3_digest(self.private, self.digest_of(message)))


def generate_key_pair() -> KeyPair:
    public, private = sm2_key_generate()
    pub = PublicKey.of(bytes(public))
    return KeyPair(pub.key_id, pub.public, pub.za, bytes(private))


# --- the master key and the sealed private keys ------------------------------------


def master_key() -> bytes:
    """The 16-byte SM4 master key from settings (YIWANG_LICENSE_MASTER_KEY)."""
    text = getattr(settings, "YIWANG_LICENSE_MASTER_KEY", "") or ""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise ImproperlyConfigured("YIWANG_LICENSE_MASTER_KEY must be 32 hex characters (SM4)")
    return key


def seal(private: bytes, key_id: str, *, key: bytes | None = None) -> str:
    """`sm4gcm1:<base64url(nonce || tag || ciphertext)>`, the key id as associated data."""
    nonce = bytes(rand_bytes(_NONCE))
    ciphertext, tag = sm4_gcm_encrypt(key or master_key(), nonce, key_id.encode(), private)
    return f"{SEAL_FORMAT}:{b64url(nonce + bytes(tag) + bytes(ciphertext))}"


def unseal(sealed: str, key_id: str, *, key: bytes | None = None) -> bytes:
    fmt, _, body = sealed.partition(":")
    if fmt != SEAL_FORMAT:
        raise SealError(f"unknown sealed key format {fmt!r}")
    try:
        raw = unb64url(body)
        nonce, tag, ciphertext = raw[:_NONCE], raw[_NONCE : _NONCE + _TAG], raw[_NONCE + _TAG :]
        return bytes(sm4_gcm_decrypt(key or master_key(), nonce, key_id.encode(), ciphertext, tag))
    except (ValueError, binascii.Error, Exception) as exc:
        raise SealError(f"the private key of {key_id} does not open: {exc}") from None


@lru_cache(maxsize=256)
def opened(key_id: str, public_hex: str, sealed: str) -> KeyPair:
    """The key pair of a stored key, opened once per process (a frozen value, keyed by
    everything it is made of: a changed row is a different entry)."""
    public = PublicKey.of(public_hex)
    if public.key_id != key_id:
        raise SealError(f"key {key_id}: the public key's id is {public.key_id}")
    return KeyPair(public.key_id, public.public, public.za, unseal(sealed, key_id))


@lru_cache(maxsize=1024)
def public_key(public_hex: str) -> PublicKey:
    return PublicKey.of(public_hex)
