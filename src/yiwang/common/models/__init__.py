from yiwang.common.models.audit import AuditChainHead, AuditEvent
from yiwang.common.models.calendar import CalendarDay, CalendarYear

__all__ = ["AuditChainHead", "AuditEvent", "CalendarDay", "CalendarYear"]
