"""Schemas of the license API (docs/licenses.md)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class IssuerOut(Schema):
    code: str
    name: str
    uscc: str


class MetadataItemOut(Schema):
    name: str
    label: str
    value: str


class LicenseOut(Schema):
    identifier: str
    version: str
    type_code: str
    type_name: str
    license_no: str
    holder_kind: str
    holder_code: str = Field(description="持证主体代码；除持证者本人和签发机关外，身份证号码遮盖")
    holder_name: str
    issuer: IssuerOut
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str = Field(
        description=(
            "valid | suspended | revoked | superseded | expired | not_yet_valid（后两者由日期得出）"
        )
    )
    stored_status: str
    status_reason: str
    signed: bool = Field(description="false：批量导入后尚未签名")
    signed_at: datetime | None
    key_id: str
    digest: str
    seal_name: str
    metadata: list[MetadataItemOut]
    superseded_by: str | None
    source_case: str | None


class LicenseListOut(Schema):
    items: list[LicenseOut]
    total: int
    total_capped: bool
    page: int
    page_size: int


class QrOut(Schema):
    identifier: str
    payload: str = Field(description="YWL1 载荷（docs/licenses.md）；未签名时为空")
    svg: str = Field(description="二维码 SVG（字节模式，UTF-8，纠错等级 M）")


class VerificationOut(Schema):
    checked_at: datetime
    result: str
    offline_result: str
    channel: str
    verifier: str = Field(description="核验人及单位；匿名核验为空")
    location: str


class HolderIn(Schema):
    kind: str = Field(description="person | entity")
    code: str = Field(max_length=30)
    name: str = Field(max_length=200)


class IssueIn(Schema):
    type_code: str = Field(max_length=21)
    issuer: str = Field(max_length=40, description="签发机关（部门编码）")
    holder: HolderIn
    metadata: dict[str, str] = Field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None


class NewVersionIn(Schema):
    reason: str = Field(max_length=500)
    metadata: dict[str, str] = Field(default_factory=dict)
    holder_name: str | None = Field(None, max_length=200)
    valid_until: date | None = None


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class VerifyIn(Schema):
    payload: str = Field(max_length=4000)
    checked_at: datetime | None = Field(None, description="离线核验的时间（联网后同步）")
    location: str = Field("", max_length=200)
    offline_result: str = Field("", max_length=20)


class VerifiedLicenseOut(Schema):
    identifier: str
    version: str
    type_name: str
    holder_name: str
    holder_code: str
    issuer_name: str
    valid_from: date
    valid_until: date | None
    status: str
    metadata: list[MetadataItemOut] = Field(description="仅向持核验权限的执法人员提供")


class VerifyOut(Schema):
    result: str = Field(
        description=(
            "valid | revoked | suspended | expired | not_yet_valid | superseded | unknown"
            " | tampered"
        )
    )
    reason: str = Field(description="机器可读的补充说明，例如 past_valid_until、bad signature")
    authority_name: str = Field(
        "", description="验签所用公钥的签发机关名称（unknown、签名无效时为空）"
    )
    license: VerifiedLicenseOut | None


class KeyOut(Schema):
    key_id: str
    authority: str = Field(description="签发机关部门编码")
    authority_name: str
    authority_uscc: str = Field(
        description="签发机关统一社会信用代码（须与证照标识中的签发机关一致）"
    )
    algorithm: str
    public_key: str = Field(description="04||X||Y，十六进制")
    valid_from: date
    valid_until: date | None
    retired: bool


class KeysOut(Schema):
    keys: list[KeyOut]


class ChangeOut(Schema):
    cursor: int
    identifier: str
    kind: str
    at: datetime
    type_code: str


class ChangesOut(Schema):
    changes: list[ChangeOut]
    next_cursor: int
    more: bool
