"""Domain errors that carry an HTTP status and a message in English and Chinese.

Services raise these; the web layer turns them into RFC 9457 problem+json. Keeping them out of
`web/` lets the telephony engine, jobs and the CLI raise the same errors.
"""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"
    title_zh = "请求有误"

    def __init__(self, detail: str, detail_zh: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh or detail
        self.extra = extra


class NotFound(HotlineError):
    status, code, title, title_zh = 404, "not_found", "Not found", "未找到"


class Conflict(HotlineError):
    """An illegal state transition, a stale version, a duplicate key."""

    status, code, title, title_zh = 409, "conflict", "Conflict", "操作冲突"


class Forbidden(HotlineError):
    status, code, title, title_zh = 403, "forbidden", "Forbidden", "无权操作"


class Unauthorized(HotlineError):
    status, code, title, title_zh = 401, "unauthorized", "Not signed in", "未登录"


class TooManyRequests(HotlineError):
    status, code, title, title_zh = 429, "too_many_requests", "Too many requests", "请求过于频繁"


class Invalid(HotlineError):
    status, code, title, title_zh = 422, "invalid", "Invalid input", "输入无效"


def stale_version(entity: str, expected: int, actual: int) -> Conflict:
    return Conflict(
        f"{entity} was changed by someone else (version {actual}, you sent {expected}); reload it",
        f"{entity} 已被他人修改（当前版本 {actual}，提交版本 {expected}），请刷新后重试",
        current_version=actual,
    )
