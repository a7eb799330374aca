"""OpenAPI document tweaks: every operation documents its problem+json error responses.

FastAPI documents only 422 (as plain JSON); clients and schemathesis should see the shape we
really send for every 4xx/5xx.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "title_zh", "detail_zh"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "title_zh": {"type": "string"},
        "detail_zh": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad request / 请求有误",
    "401": "Not signed in / 未登录",
    "403": "Forbidden / 无权操作",
    "404": "Not found / 未找到",
    "405": "Method not allowed",
    "409": "Conflict / 操作冲突",
    "413": "Body too large / 请求体过大",
    "422": "Invalid input / 输入无效",
    "429": "Too many requests / 请求过于频繁",
    "500": "Internal error / 服务器内部错误",
    "503": "Not ready / 未就绪",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERRORS.items():
                    responses[code] = {
                        "description": text,
                        "content": {"application/problem+json": {"schema": ref}},
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
