"""The report of a data-file load (org data, the catalog, ...): counts per kind of object."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadReport:
    """What a load did, per kind; `str()` is one Chinese line for the command line."""

    subject: str  # e.g. "组织机构数据"
    labels: dict[str, str]  # kind -> Chinese label, in display order
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for counts in (self.created, self.updated, self.unchanged):
            for kind in self.labels:
                counts.setdefault(kind, 0)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def updated_total(self) -> int:
        return sum(self.updated.values())

    @property
    def changed(self) -> bool:
        return bool(self.created_total or self.updated_total)

    def __str__(self) -> str:
        if not self.changed:
            return f"{self.subject}无变化（{sum(self.unchanged.values())} 条已是最新）"

        def part(counts: dict[str, int]) -> str:
            return "、".join(
                f"{label} {counts[k]}" for k, label in self.labels.items() if counts[k]
            )

        pieces = []
        if self.created_total:
            pieces.append(f"新建 {part(self.created)}")
        if self.updated_total:
            pieces.append(f"更新 {part(self.updated)}")
        return f"{self.subject}：" + "；".join(pieces)
