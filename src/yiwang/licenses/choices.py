"""States and kinds of the e-license library (电子证照库). Values are the API's contract."""

from django.db import models


class HolderKind(models.TextChoices):
    """Who holds a license: a natural person (by resident ID number, GB 11643) or an
    entity (by USCC, GB 32100)."""

    PERSON = "person", "自然人"
    ENTITY = "entity", "法人和其他组织"


#: The holder code's type as e-license metadata names it (持证主体代码类型).
HOLDER_CODE_TYPE = {
    HolderKind.PERSON: "公民身份号码",
    HolderKind.ENTITY: "统一社会信用代码",
}


class LicenseStatus(models.TextChoices):
    """The stored status. `expired` is never stored: it follows from the dates
    (`License.status_on`)."""

    VALID = "valid", "有效"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "吊销"
    SUPERSEDED = "superseded", "已换发新版本"


class VerifyResult(models.TextChoices):
    """The answer of a verification (docs/licenses.md, the QR payload spec)."""

    VALID = "valid", "有效"
    REVOKED = "revoked", "已吊销"
    SUSPENDED = "suspended", "已暂停"
    EXPIRED = "expired", "已过期"
    #: Before valid_from (decision 0019): neither valid nor expired.
    NOT_YET_VALID = "not_yet_valid", "尚未生效"
    SUPERSEDED = "superseded", "已被新版本取代"
    UNKNOWN = "unknown", "无法识别（未知的签名密钥或证照）"
    TAMPERED = "tampered", "内容被篡改或无法解析"


class VerifyChannel(models.TextChoices):
    ONLINE = "online", "在线核验"
    OFFLINE_SYNC = "offline_sync", "离线核验（联网后同步）"


class ChangeKind(models.TextChoices):
    """What a change feed entry reports (GET /licenses/changes)."""

    ISSUED = "issued", "签发"
    SIGNED = "signed", "签名"
    SUSPENDED = "suspended", "暂停"
    REINSTATED = "reinstated", "恢复"
    REVOKED = "revoked", "吊销"
    SUPERSEDED = "superseded", "被新版本取代"


class StatusAction(models.TextChoices):
    """The status changes an issuing department's staff can make."""

    SUSPEND = "suspend", "暂停"
    REVOKE = "revoke", "吊销"
    REINSTATE = "reinstate", "恢复"
