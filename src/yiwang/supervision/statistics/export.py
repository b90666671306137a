"""Statistics tables as CSV and Excel, written row by row (decision 0024).

CSV: a generator of lines for a `StreamingHttpResponse` (UTF-8 with a byte-order mark so
that Excel opens the Chinese headers). Excel: xlsxwriter in `constant_memory` mode —
each row is flushed to a temporary file as it is written, so memory stays flat however
long the table — and the finished file is streamed from disk (an .xlsx is a zip that
can only be finished at its end). The rows come from the rollup (periods × units, never
cases), so even a year of a province by item and day is a few thousand rows.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from yiwang.supervision.statistics.queries import Table

#: (field, Chinese header) of every exported column, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "统计周期"),
    ("key", "编码"),
    ("name", "名称"),
    ("accepted", "受理件数"),
    ("completed", "办结件数"),
    ("on_time", "按时办结件数"),
    ("on_time_rate", "按时办结率"),
    ("overdue", "超期办结件数"),
    ("ahead_rate", "提前办结率"),
    ("avg_workdays", "平均办理工作日"),
    ("ratio_to_promised", "实际用时/承诺时限"),
    ("ratio_to_legal", "实际用时/法定时限"),
    ("shorter_than_legal", "比法定时限缩短"),
    ("shorter_than_promised", "比承诺时限缩短"),
    ("online_rate", "网上办理率"),
    ("zero_visit_share", "零跑动占比"),
    ("star5", "五星事项受理（零跑动）"),
    ("star4", "四星事项受理（跑一次）"),
    ("star3", "三星事项受理（跑两次及以上）"),
    ("refused", "不予受理件数"),
    ("withdrawn", "撤回件数"),
    ("denied", "不予许可件数"),
    ("suspended", "特别程序件数"),
    ("extended", "延期件数"),
    ("rated", "评价数"),
    ("satisfaction", "满意率"),
    ("avg_score", "平均评价等级"),
)


def _values(table: Table) -> Iterator[list[Any]]:
    for row in table.rows:
        base = {"period": row.period, "key": row.key, "name": row.name, **row.figures}
        yield [base.get(f) for f, _ in COLUMNS]
    total = {"period": "合计", "key": table.region.code, "name": table.region.name, **table.total}
    yield [total.get(f) for f, _ in COLUMNS]


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV, one line at a time (the first with the byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([h for _, h in COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    for values in _values(table):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in values])
        yield buffer.getvalue()


def xlsx_file(table: Table, sheet: str = "效能统计") -> IO[bytes]:
    """The table as an .xlsx in a temporary file (rewound), written in constant memory."""
    import xlsxwriter

    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    ws.write_row(0, 0, [h for _, h in COLUMNS], bold)
    for n, values in enumerate(_values(table), start=1):
        ws.write_row(n, 0, ["" if v is None else v for v in values])
    book.close()
    out.seek(0)
    return out


def filename(table: Table, ext: str) -> str:
    return f"statistics-{table.region.code}-{table.by}-{table.period}.{ext}"
