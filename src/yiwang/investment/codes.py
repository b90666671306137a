"""The unified investment project code (投资项目统一代码).

One generator, `next_project_code`: the old format `YYYY-RRRRRR-II-TT-NNNNNN` (year,
6-digit region, 2-digit GB/T 4754 industry, 2-digit project type, 6-digit serial) built
by `common.validators.make_project_code` and checked by `check_project_code` — the same
code `yiwang check project-code` runs. The 24-character format of GB/T 40058-2021
replaces this one function when its layout is verified (decision 0026).
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from yiwang.common.errors import Conflict
from yiwang.common.validators import check_project_code, make_project_code
from yiwang.investment.models import ProjectCodeCounter

#: The largest serial of the format (6 digits).
SERIAL_MAX = 999_999


def next_serial(year: int, region_code: str, industry: str, project_type: str) -> int:
    """The next serial of a (year, region, industry, type) key, by one upsert of its
    counter row. Inside the caller's transaction: on PostgreSQL the row stays locked
    until the registration commits (a second registration of the same key waits, then
    reads the committed value), on SQLite the IMMEDIATE transaction serialises writers;
    a registration that rolls back gives its serial back on both."""
    table = connection.ops.quote_name(ProjectCodeCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (year, region_code, industry, project_type, last) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, 1) "
        "ON CONFLICT (year, region_code, industry, project_type) "
        f"DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, region_code, industry, project_type])
        (last,) = cursor.fetchone()
    return int(last)


def next_project_code(year: int, region_code: str, industry: str, project_type: str) -> str:
    """The next unified project code of the key, validated as every code is."""
    serial = next_serial(year, region_code, industry, project_type)
    if serial > SERIAL_MAX:
        raise Conflict(_("该地区、行业和类型的项目代码序号已用尽"), code="project_serial_exhausted")
    code = make_project_code(year, region_code, int(industry), int(project_type), serial)
    return check_project_code(code)
