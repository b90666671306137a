"""Schemas of the catalog API (interfaces.md: GET /items, GET /items/{code}).

The contract's names are kept exactly (`code, name, department, region,
legal_limit_days, promised_limit_days, case_type, visits, stars`; materials with
`code, name, required`; delivery methods with `code, name`); the rest is added.
`department` and `region` are names; their codes are in `department_code`, `region_code`.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class ItemOut(Schema):
    code: str = Field(description="实施编码")
    name: str
    department: str = Field(description="实施主体名称")
    department_code: str
    region: str = Field(description="实施区划名称")
    region_code: str = Field(description="GB/T 2260 区划代码")
    legal_limit_days: int = Field(description="法定办结时限（工作日）")
    promised_limit_days: int = Field(description="承诺办结时限（工作日）；即办件为 0")
    case_type: str = Field(description="instant 即办件 | promised 承诺件")
    visits: int = Field(description="到办事现场次数")
    stars: int = Field(description="星级，由到现场次数得出：0 次 5 星，1 次 4 星，2 次及以上 3 星")
    item_type: str
    service_object: str = Field(description="citizen | enterprise | both")
    online_depth: int = Field(description="网办深度 1-4，4 为全程网办")
    accept_level: str = Field(
        description="own_hall 本级大厅受理 | township 乡镇（街道）站点代办受理"
    )

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return str(obj.department.name)

    @staticmethod
    def resolve_department_code(obj: Any) -> str:
        return str(obj.department.code)

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region_id)


class ItemPageOut(Schema):
    items: list[ItemOut]
    total: int = Field(description="符合条件的事项总数")
    page: int
    page_size: int


class MaterialOut(Schema):
    code: str
    name: str
    required: bool
    form: str = Field(description="original 原件 | copy 复印件 | electronic 电子件")
    copies: int
    source: str = Field(description="applicant | license_library | department_data")
    license_type_code: str = Field(description="可用电子证照类型代码，空为无")
    standard: str = Field(description="受理标准")


class FeeOut(Schema):
    name: str
    standard: str
    basis: str
    waiver: str


class StepOut(Schema):
    order: int
    code: str
    name: str
    role: str = Field(description="办理角色编码")
    role_name: str
    share_percent: int = Field(description="占承诺时限的百分比")

    @staticmethod
    def resolve_role(obj: Any) -> str:
        return str(obj.role_id)

    @staticmethod
    def resolve_role_name(obj: Any) -> str:
        return str(obj.role.name)


class DeliveryMethodOut(Schema):
    code: str
    name: str
    needs_tracking: bool


class ItemDetailOut(ItemOut):
    basic_code: str
    is_active: bool
    legal_basis: str
    conditions: str
    limit_note: str
    visits_reason: str
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    special_procedures: str
    result_name: str
    hall: str | None = Field(description="实施主体进驻的政务服务大厅")
    form_fields: list[dict[str, Any]]
    auto_rules: list[dict[str, Any]] = Field(description="即办件自动审批规则（按名称）")
    materials: list[MaterialOut]
    fees: list[FeeOut] = Field(description="收费；空列表为不收费")
    process: list[StepOut] = Field(description="办理流程，按顺序")
    delivery_methods: list[DeliveryMethodOut]

    @staticmethod
    def resolve_hall(obj: Any) -> str | None:
        hall = obj.department.hall
        return None if hall is None else str(hall.name)

    @staticmethod
    def resolve_materials(obj: Any) -> list[Any]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_fees(obj: Any) -> list[Any]:
        return list(obj.fees.all())

    @staticmethod
    def resolve_process(obj: Any) -> list[Any]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_delivery_methods(obj: Any) -> list[Any]:
        return list(obj.delivery_methods.all())
