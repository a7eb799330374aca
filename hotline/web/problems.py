"""RFC 9457 problem+json responses, each with an English and a Chinese message.

Every error the API returns goes through here, so clients see one shape: `type`, `title`,
`status`, `detail`, `instance`, plus `code`, `title_zh`, `detail_zh` and, for validation errors,
the list of `errors`. Nothing escapes as a bare 500 page.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.errors import HotlineError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

_HTTP_ZH = {
    400: "请求有误",
    401: "未登录",
    403: "无权操作",
    404: "未找到",
    405: "不支持该请求方法",
    409: "操作冲突",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "输入无效",
    429: "请求过于频繁",
    500: "服务器内部错误",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    title_zh: str | None = None,
    detail_zh: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://hotline.invalid/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "title_zh": title_zh or _HTTP_ZH.get(status, title),
        "detail_zh": detail_zh or detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# Field names the console's forms send, in Chinese, so a validation error names the field the
# user sees (not `body.username`). Unknown fields fall back to their name.
_FIELD_ZH = {
    "username": "用户名",
    "display_name": "姓名",
    "password": "密码",
    "current_password": "当前密码",
    "new_password": "新密码",
    "role": "角色",
    "department_id": "部门",
    "extension": "分机号",
    "sip_password": "话机密码",
    "name": "编码",
    "label": "名称",
    "strategy": "分配策略",
    "title": "标题",
    "content": "内容",
    "phone": "电话",
    "note": "备注",
    "since": "开始时间",
    "until": "结束时间",
}


def _rule_zh(err: Any) -> str:
    """What the rule a value broke asks for, in Chinese."""
    kind, ctx = str(err.get("type", "")), err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind in ("literal_error", "enum"):
        return "取值不在允许范围内"
    if kind.endswith("_parsing") or kind.endswith("_type"):
        return "类型不正确"
    if kind == "extra_forbidden":
        return "不允许的字段"
    return "无效"


def _field_zh(loc: Any) -> str:
    parts = [str(x) for x in loc if str(x) not in ("body", "query", "path")]
    last = parts[-1] if parts else ".".join(str(x) for x in loc)
    return _FIELD_ZH.get(last, last)


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(x) for x in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
                "field_zh": _field_zh(err.get("loc", ())),
                "rule_zh": _rule_zh(err),
            }
        )
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(HotlineError)
    async def _domain(request: Request, exc: HotlineError) -> JSONResponse:
        headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        return problem(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            exc.title_zh,
            exc.detail_zh,
            instance=request.url.path,
            headers=headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean_errors(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                400,
                "malformed_json",
                "Malformed JSON",
                "The request body is not valid JSON.",
                "JSON 格式错误",
                "请求体不是合法的 JSON。",
                instance=request.url.path,
                errors=errors,
            )
        return problem(
            422,
            "invalid",
            "Invalid input",
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)[:500],
            "输入无效",
            "；".join(f"{e['field_zh']}：{e['rule_zh']}" for e in errors)[:500],
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem(
            exc.status_code,
            f"http_{exc.status_code}",
            title,
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem(
            409,
            "conflict",
            "Conflict",
            "The record was changed by someone else; reload it.",
            "操作冲突",
            "记录已被他人修改，请刷新后重试。",
            instance=request.url.path,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        return problem(
            409,
            "conflict",
            "Conflict",
            "The change conflicts with existing data.",
            "操作冲突",
            "提交的数据与现有数据冲突。",
            instance=request.url.path,
        )

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # Last line of defence: a number or text the database cannot hold is bad input.
        return problem(
            422,
            "out_of_range",
            "Value out of range",
            "A value is too large or malformed for storage.",
            "数值超出范围",
            "提交的数值过大或格式不正确。",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal",
            "Internal error",
            "An unexpected error occurred; it has been logged.",
            "服务器内部错误",
            "发生意外错误，已记录。",
            instance=request.url.path,
        )
