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
from yiwang.portal.pdf import qr_svg

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


def permit_context(payload: str) -> dict[str, Any]:
    """What the licenses app hands the template for an over-limit transport permit."""
    return {
        "type_name": "超限运输车辆行驶公路许可",
        "identifier": payload.split("~")[1],
        "version": "001",
        "license_number": "吉交超限〔2026〕第00017号",
        "holder": {
            "name": "吉林通达运输有限公司",
            "code_label": "统一社会信用代码",
            "code": "91220101MA17XK3L2Q",
        },
        "issuer": {"name": "吉林省交通运输厅", "code": "11220000013544357G"},
        "seal_name": "吉林省交通运输厅行政许可专用章",
        "issued_on": date(2026, 3, 2),
        "valid_from": date(2026, 3, 5),
        "valid_until": date(2026, 4, 4),
        "sections": [
            {
                "title": "车辆",
                "rows": [
                    {"label": "牵引车号牌", "value": "吉A12345"},
                    {"label": "挂车号牌", "value": "吉A6789挂"},
                    {"label": "车货总长宽高", "value": "22.5 米 × 3.8 米 × 4.6 米"},
                    {"label": "轴数", "value": "6 轴"},
                ],
            },
            {
                "title": "通行路线",
                "rows": [
                    {"label": "起点", "value": "长春市绿园区"},
                    {"label": "途经", "value": "G12 珲乌高速、G1 京哈高速"},
                    {"label": "终点", "value": "四平市铁西区"},
                ],
            },
            {
                "title": "通行期限",
                "rows": [
                    {"label": "期限", "value": "2026年3月5日至2026年4月4日，限夜间 22:00—次日 6:00"}
                ],
            },
            {
                "title": "载货",
                "rows": [
                    {"label": "货物", "value": "风电叶片（不可解体）"},
                    {"label": "车货总质量", "value": "78.5 吨"},
                    {"label": "最大轴荷", "value": "14.2 吨"},
                ],
            },
        ],
        "payload": payload,
        "qr_svg": qr_svg(payload),
    }
