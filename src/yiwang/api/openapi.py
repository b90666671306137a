"""The error half of the OpenAPI document, written once for every operation.

Every error the API gives is one RFC 9457 problem+json body (`yiwang.api.main.problem`),
so the document names one `Problem` schema and lists, per operation, the statuses it can
answer with. Which statuses an operation can answer follows from what the document
already says about it, by the rules in `error_statuses`; an operation that can answer
another one (a throttle, a quota, a login refusal) names it in its router decoration,
`openapi_extra={"responses": {429: {"description": "..."}}}`, and gets the schema here.
Generated clients can then type their errors, and schemathesis's status-code
conformance holds (docs/decisions/0013-api-contract-errors.md).
"""

from __future__ import annotations

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"

#: Why an operation gives each status, as the document's description of it.
DESCRIPTIONS: dict[int, str] = {
    400: "请求格式错误（JSON 不合法、含空字符或无法编码的字符等），code 说明原因",
    401: "需要登录：缺少或无效的令牌（not_authenticated）",
    403: "无权执行此操作（permission_denied），或会话请求缺少 CSRF 令牌（csrf_failed）",
    404: "未找到，或无权查看（not_found）",
    409: "与当前状态冲突（conflict、invalid_transition 等）",
    413: "请求体过大（payload_too_large），max_bytes 为上限",
    415: "不支持的文件类型（unsupported_media_type）",
    422: "数据校验未通过（validation_failed），errors 逐项说明",
    429: "请求过于频繁（rate_limited），Retry-After 为等待秒数",
}

UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable: clients branch on it, "
    "not on `title` or `detail`, which are for people and follow Accept-Language.",
    "properties": {
        "type": {"title": "Type", "type": "string"},
        "title": {"title": "Title", "type": "string"},
        "status": {"title": "Status", "type": "integer"},
        "code": {"title": "Code", "type": "string", "description": "稳定的错误代码"},
        "detail": {"title": "Detail", "type": "string"},
        "errors": {
            "title": "Errors",
            "type": "array",
            "description": "422：每个未通过校验的字段",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        },
        "retry_after": {"title": "Retry After", "type": "integer"},
        "max_bytes": {"title": "Max Bytes", "type": "integer"},
        "current_state": {"title": "Current State", "type": "string"},
        "allowed": {"title": "Allowed", "type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "code", "detail"],
    "additionalProperties": True,
}


def error_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer with, from its own description.

    - 400 any request (a malformed body or query, a NUL character in the address);
    - 401, 403 an operation that needs credentials (the 403 includes csrf_failed);
    - 404 an operation whose path, query or body can name an object (a case number,
      a region code of a filter, the item of a submission);
    - 409, 413 any write (state and idempotency conflicts; any body can be too big);
    - 415 a multipart upload (the content decides, not the name);
    - 422 an operation with parameters or a body;
    - whatever error the operation's decoration declares (429 on throttled ones).
    """
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {})
    statuses = {400}
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p.get("in") in {"path", "query"} for p in params) or body:
        statuses.add(404)
    if method in UNSAFE_METHODS:
        statuses |= {409, 413}
    if "multipart/form-data" in body.get("content", {}):
        statuses.add(415)
    if params or body:
        statuses.add(422)
    statuses |= {int(s) for s in operation.get("responses", {}) if 400 <= int(s) < 600}
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema and every operation's error responses to `schema`."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, operation)):
                declared = responses.pop(status, None) or responses.pop(str(status), None) or {}
                responses[status] = {
                    "description": declared.get("description") or DESCRIPTIONS.get(status, ""),
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
                }
    return schema
