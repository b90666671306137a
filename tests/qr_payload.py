"""QR payloads for the officer page's and the PDF's tests, made by the licenses app's own
encoder and signer (`licenses.encoding.unsigned_payload`, `licenses.signing.KeyPair`):
one encoder, so a change of the payload format shows up here too.

`new_key()` is a fresh key known only to the test (its `published()` entry has the shape
of `GET /api/v1/licenses/keys`); `stored_key(department)` is an issuing authority's real
key, published by the real endpoint. `build_payload` signs any facts with either — the
tests need payloads the library does not hold (dates, fields, digests of their choosing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from yiwang.common.validators import make_license_id
from yiwang.licenses import signing
from yiwang.licenses.encoding import sm3_hex, unsigned_payload, with_signature
from yiwang.portal.pdf import qr_svg

#: The showcase permit's type code (超限运输车辆行驶公路许可 of the demo types).
PERMIT_TYPE = "111000000603213830002"
#: 吉林省交通运输厅 of the org data: the permit's issuer.
ISSUER_USCC = "11220000696864412B"
ISSUER_NAME = "吉林省交通运输厅"


@dataclass(frozen=True)
class Key:
    pair: signing.KeyPair
    authority_uscc: str = ISSUER_USCC
    authority_name: str = ISSUER_NAME
    authority: str = "220000-transport"

    @property
    def key_id(self) -> str:
        return self.pair.key_id

    @property
    def public(self) -> bytes:
        """64 bytes X||Y, as gmssl-pyx gives it."""
        return self.pair.public[1:]

    def published(self) -> dict[str, Any]:
        """This key as one entry of GET /api/v1/licenses/keys."""
        return {
            "key_id": self.key_id,
            "authority": self.authority,
            "authority_name": self.authority_name,
            "authority_uscc": self.authority_uscc,
            "algorithm": "SM2",
            "public_key": self.pair.public.hex(),
            "valid_from": "2025-01-01",
            "valid_until": None,
            "retired": False,
        }


def new_key(
    authority_name: str = ISSUER_NAME,
    authority_uscc: str = ISSUER_USCC,
    authority: str = "220000-transport",
) -> Key:
    """A key nobody published (an "unknown" key, or one a test publishes itself)."""
    return Key(signing.generate_key_pair(), authority_uscc, authority_name, authority)


def stored_key(department_code: str = "220000-transport") -> Key:
    """The department's real signing key (made on first use), as the library signs with it
    and GET /api/v1/licenses/keys publishes it."""
    from yiwang.accounts.actor import Actor
    from yiwang.licenses.services.keys import ensure_authority_key, key_pair
    from yiwang.org.models import Department

    department = Department.objects.get(code=department_code)
    key = ensure_authority_key(department, actor=Actor.system("test"))
    return Key(key_pair(key), department.uscc, department.name, department.code)


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
    """A payload of the key's authority, signed by the key (the licenses app's encoder)."""
    identifier = make_license_id(PERMIT_TYPE, key.authority_uscc, serial, version)
    unsigned = unsigned_payload(
        identifier=identifier,
        version=f"{version:03d}",
        key_id=key.key_id,
        digest=digest or sm3_hex(identifier.encode()),
        valid_from=valid_from,
        valid_until=valid_until,
        fields=(fields if fields is not None else PERMIT_FIELDS).items(),
    )
    return with_signature(unsigned, signing.b64url(key.pair.sign(unsigned.encode("utf-8"))))


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
        "issuer": {"name": ISSUER_NAME, "code": ISSUER_USCC},
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
