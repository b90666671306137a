from yiwang.common.models.audit import AuditChainHead, AuditEvent
from yiwang.common.models.calendar import CalendarDay, CalendarYear
from yiwang.common.models.idempotency import IdempotencyRecord
from yiwang.common.models.revision import Revision
from yiwang.common.models.scheduler import PeriodicJobState

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "IdempotencyRecord",
    "PeriodicJobState",
    "Revision",
]
