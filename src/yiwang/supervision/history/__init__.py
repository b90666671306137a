"""The history of cases to supervise (`yiwang seed history`, decision 0024)."""

from yiwang.supervision.history.run import HistoryReport, seed_history

__all__ = ["HistoryReport", "seed_history"]
