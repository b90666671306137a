"""A tiny encoder of the e-license QR payload, for the officer page's tests.

Built from the shared payload spec, independently of the licenses app (which owns the real
encoder): `YWL1~identifier~version~key_id~digest~valid_from~valid_until~fields~signature`,
the signature SM2 (gmssl-pyx `sm2_sign`: e = SM3(Z_A || M), user id 1234567812345678,
DER) over M = the payload up to the last `~`, base64url without padding.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

from gmssl_pyx import sm2_key_generate, sm2_sign, sm3_hash

from yiwang.common.anchoring import key_id_of
from yiwang.common.validators import make_license_id

#: The showcase permit's identifier (type code of the spec's vector, a Jilin issuer).
PERMIT_TYPE = "11100000000013338W011"
ISSUER_USCC = "11220000013544357G"  # any 18 characters of the alphabet serve the tests
_REMOVED = str.maketrans("", "", "~;=\r\n")


@dataclass(frozen=True)
class Key:
    public: bytes  # 64 bytes X||Y, as gmssl-pyx gives it
    private: bytes
    authority_name: str = "吉林省交通运输厅"

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def published(self) -> dict[str, Any]:
        """One entry of GET /api/v1/licenses/keys."""
        return {
            "key_id": self.key_id,
            "authority": "JL-JT",
            "authority_name": self.authority_name,
            "algorithm": "SM2",
            "public_key": "04" + self.public.hex(),
            "valid_from": "2025-01-01",
            "valid_until": None,
        }


def new_key(authority_name: str = "吉林省交通运输厅") -> Key:
    public, private = sm2_key_generate()
    return Key(bytes(public), bytes(private), authority_name)


def keys_document(*keys: Key) -> dict[str, Any]:
    return {"keys": [key.published() for key in keys]}


PERMIT_FIELDS = {
    "证照": "超限运输车辆行驶公路许可",
    "持证者": "吉林通达运输有限公司",
    "车牌": "吉A12345",
    "路线": "长春—吉林（G12 珲乌高速）",
}


def build_payload(
    key: Key,
    *,
    serial: str = "JLCX20260001",
    version: int = 1,
    valid_from: date = date(2026, 1, 1),
    valid_until: date | None = date(2030, 12, 31),
    fields: dict[str, str] | None = None,
    digest: str | None = None,
) -> str:
    identifier = make_license_id(PERMIT_TYPE, ISSUER_USCC, serial, version)
    pairs = (fields if fields is not None else PERMIT_FIELDS).items()
    encoded = ";".join(f"{k.translate(_REMOVED)}={v.translate(_REMOVED)}" for k, v in pairs)
    body = "~".join(
        [
            "YWL1",
            identifier,
            f"{version:03d}",
            key.key_id,
            digest or bytes(sm3_hash(identifier.encode())).hex(),
            valid_from.strftime("%Y%m%d"),
            valid_until.strftime("%Y%m%d") if valid_until else "",
            encoded,
        ]
    )
    signature = bytes(sm2_sign(key.private, key.public, body.encode("utf-8")))
    return body + "~" + base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")
