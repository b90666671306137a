"""The e-license library (电子证照库): license types (data), licenses and their versions,
the issuing authorities' SM2 keys, the verification log and the change feed.

Built for a 2.6-million-row bulk import: every per-license value is a column or the one
metadata JSON (no per-row joins to compute), the lookups are indexed (identifier, holder
code, issuer and status), and the change feed is an append-only table whose id is the
cursor (docs/decisions/0019-licenses-and-the-case-workflow.md).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from yiwang.catalog.models import ServiceItem
from yiwang.licenses.choices import (
    ChangeKind,
    HolderKind,
    LicenseStatus,
    VerifyChannel,
    VerifyResult,
)
from yiwang.org.models import Department


class LicenseType(models.Model):
    """A kind of license, as data: its 21-character type code (the defining authority's
    USCC + a 3-digit sequence, GB/T 36904 practice), the authority that defines it, its
    type-specific metadata fields with their Chinese labels, which of them an officer
    sees in the QR code, its validity rule and the catalog items whose decision yields
    it.

    `fields`: `[{"name": "plate_no", "label": "车牌", "form_field": "plate_no"}]` —
    `form_field` names the application form field it is filled from when a case
    issues it. `validity`: `{"years": N}` | `{"months": N}` | `{"days": N}` from the
    issue date, `{"from_field": F, "until_field": U}` from the application form, or
    `{}` for a license without expiry.
    """

    code = models.CharField("证照类型代码", max_length=21, unique=True)
    name = models.CharField("证照名称", max_length=100)
    authority_name = models.CharField("定义机构", max_length=100)
    fields = models.JSONField("照面信息项", default=list, blank=True)
    qr_fields = models.JSONField("二维码展示项", default=list, blank=True)
    validity = models.JSONField("有效期规则", default=dict, blank=True)
    items = models.ManyToManyField(
        ServiceItem, verbose_name="产生本证照的事项", related_name="license_types", blank=True
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "证照类型"
        verbose_name_plural = "证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def authority_uscc(self) -> str:
        """The defining authority's USCC: the type code's first 18 characters."""
        return self.code[:18]

    def field_labels(self) -> dict[str, str]:
        return {str(f["name"]): str(f["label"]) for f in self.fields}


class AuthorityKey(models.Model):
    """One SM2 key pair of an issuing authority (docs/licenses.md, keys).

    The key id is the first 16 hex characters of SM3 over the published public key
    bytes (65 bytes, 04||X||Y). A key signs while `valid_from <= today <= valid_until`
    (open-ended when `valid_until` is null) and is not retired; after rotation it is
    still published and keeps verifying what it signed. The private key is stored
    sealed (SM4-GCM under the master key, `licenses.signing`), never in the clear.
    """

    department = models.ForeignKey(
        Department, verbose_name="签发机关", on_delete=models.PROTECT, related_name="license_keys"
    )
    key_id = models.CharField("密钥标识", max_length=16, unique=True)
    algorithm = models.CharField("算法", max_length=10, default="SM2")
    public_key = models.CharField("公钥（04||X||Y，十六进制）", max_length=130)
    sealed_private_key = models.TextField("加密的私钥")
    valid_from = models.DateField("启用日期")
    valid_until = models.DateField("停用日期", null=True, blank=True)
    created_at = models.DateTimeField("生成时间")
    retired_at = models.DateTimeField("停止签名时间", null=True, blank=True)

    class Meta:
        verbose_name = "签发机关密钥"
        verbose_name_plural = "签发机关密钥"
        ordering = ["department_id", "-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.department} · {self.key_id}"

    def signs_on(self, day: date) -> bool:
        return (
            self.retired_at is None
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


class LicenseSerial(models.Model):
    """The last license number given per (type, issuer, year): numbers are
    `<year><8 digits>`, taken under the row lock."""

    license_type = models.ForeignKey(LicenseType, on_delete=models.PROTECT)
    issuer = models.ForeignKey(Department, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["license_type", "issuer", "year"], name="license_serial_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.license_type_id}/{self.issuer_id}/{self.year}: {self.last}"


class License(models.Model):
    """One version of one license (电子证照). A change makes a new version (`version`
    + 1, a new identifier) and supersedes this one; nothing of a signed version is ever
    rewritten except its status.

    `signed_at` null: not yet signed (a bulk-imported license until the signing job
    reaches it); `digest` and `signature` are then empty.
    """

    identifier = models.CharField("证照标识", max_length=120, unique=True)
    # No index of its own on license_type and issuer: the unique (type, issuer, serial,
    # version) and the (issuer, status) indexes lead with them and serve every lookup by
    # either (the PROTECT checks too), and each index is one more write per imported
    # license (decision 0021, "Where the time goes").
    license_type = models.ForeignKey(
        LicenseType,
        verbose_name="证照类型",
        on_delete=models.PROTECT,
        related_name="licenses",
        db_index=False,
    )
    serial = models.CharField("证照编号", max_length=40)
    version = models.PositiveSmallIntegerField("版本")
    holder_kind = models.CharField("持证主体类型", max_length=10, choices=HolderKind.choices)
    holder_code = models.CharField("持证主体代码", max_length=18)
    holder_name = models.CharField("持证主体", max_length=200)
    issuer = models.ForeignKey(
        Department,
        verbose_name="签发机关",
        on_delete=models.PROTECT,
        related_name="licenses",
        db_index=False,
    )
    issued_on = models.DateField("颁证日期")
    valid_from = models.DateField("有效期起始")
    valid_until = models.DateField("有效期截止", null=True, blank=True)
    #: Type-specific metadata (照面信息), every value a string: `LicenseType.fields`.
    metadata = models.JSONField("照面信息", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.VALID
    )
    status_reason = models.CharField("状态变更原因", max_length=500, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    digest = models.CharField("元数据摘要（SM3）", max_length=64, blank=True)
    signature = models.CharField("签名（base64url）", max_length=120, blank=True)
    key = models.ForeignKey(
        AuthorityKey,
        verbose_name="签名密钥",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签名时间", null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name="新版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    # A string reference: licenses does not import cases (peers); the database keeps
    # the link from a license to the case whose decision yielded it.
    source_case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("入库时间")

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["holder_code"], name="license_holder"),
            models.Index(fields=["issuer", "status"], name="license_issuer_status"),
            models.Index(
                fields=["id"], condition=Q(signed_at__isnull=True), name="license_unsigned"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["license_type", "issuer", "serial", "version"],
                name="license_version_unique",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="license_version_from_1"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="license_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | (~Q(signature="") & ~Q(digest="")),
                name="license_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def version_text(self) -> str:
        return f"{self.version:03d}"

    @property
    def seal_name(self) -> str:
        """The seal the version is issued under (印章名称): the issuer's e-license seal."""
        return f"{self.issuer.name}电子证照专用章"

    def status_on(self, day: date) -> str:
        """The status a holder or an officer sees on `day`: the stored one, or for a
        valid license `not_yet_valid` before its period and `expired` after it (the
        verification results of the same name, decision 0019)."""
        if self.status != LicenseStatus.VALID:
            return self.status
        if day < self.valid_from:
            return VerifyResult.NOT_YET_VALID
        if self.valid_until is not None and day > self.valid_until:
            return VerifyResult.EXPIRED
        return LicenseStatus.VALID


class LicenseChange(models.Model):
    """The change feed (GET /licenses/changes?since=): append-only, its id the cursor.
    Writers take one transaction-level lock before inserting, so ids become visible in
    the order they were given (decision 0019) and a follower never skips one."""

    id = models.BigAutoField(primary_key=True)
    license = models.ForeignKey(License, on_delete=models.PROTECT, related_name="changes")
    identifier = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "证照变更"
        verbose_name_plural = "证照变更"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.identifier}"


class Verification(models.Model):
    """One check of a license (online, or offline and synced later): who, when, where,
    what it said. The holder sees the checks of their licenses."""

    license = models.ForeignKey(
        License, null=True, blank=True, on_delete=models.PROTECT, related_name="verifications"
    )
    identifier = models.CharField("核验的证照标识", max_length=120, blank=True)
    result = models.CharField("核验结果", max_length=20, choices=VerifyResult.choices)
    offline_result = models.CharField(
        "离线核验结果", max_length=20, choices=VerifyResult.choices, blank=True
    )
    channel = models.CharField("方式", max_length=14, choices=VerifyChannel.choices)
    checked_at = models.DateTimeField("核验时间")
    recorded_at = models.DateTimeField("记录时间")
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verifier_label = models.CharField("核验人（单位）", max_length=200, blank=True)
    location = models.CharField("核验地点", max_length=200, blank=True)

    class Meta:
        verbose_name = "证照核验记录"
        verbose_name_plural = "证照核验记录"
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["license", "-checked_at"], name="verification_license")]

    def __str__(self) -> str:
        return f"{self.identifier} {self.result} {self.checked_at:%Y-%m-%d %H:%M}"


class VerifyRateCounter(models.Model):
    """Public verifications per address and window (the keyed hash of the address, never
    the address), as credit's public pages count theirs."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="license_rate_window")]
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="license_rate_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.hits}"


# The bulk import's checkpoint lives in its own module (the import lane).
from yiwang.licenses.import_run import LicenseImport  # noqa: E402

__all__ = [
    "AuthorityKey",
    "License",
    "LicenseChange",
    "LicenseImport",
    "LicenseSerial",
    "LicenseType",
    "Verification",
    "VerifyRateCounter",
]
