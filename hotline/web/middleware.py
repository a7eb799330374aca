"""ASGI middleware: request body size limit, and per-route metrics and access logs."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("hotline.access")
REQUESTS = Counter("hotline_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "hotline_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def _problem_413(limit: int) -> bytes:
    return json.dumps(
        {
            "type": "https://hotline.invalid/problems/too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"The request body exceeds {limit} bytes.",
            "code": "too_large",
            "title_zh": "请求体过大",
            "detail_zh": f"请求体超过 {limit} 字节。",
        },
        ensure_ascii=False,
    ).encode()


class BodyLimit:
    """Refuse bodies over the limit with 413, by header or while reading.

    The body is read up front (it is small by construction) so an oversize stream is refused
    before any endpoint sees it; file uploads (multipart) get the larger `upload_limit`.
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int = 50 * 1024 * 1024) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def _reject(self, send: Send, limit: int) -> None:
        body = _problem_413(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_limit if multipart else self.limit
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._reject(send, limit)
                return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await self._reject(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class Metrics:
    """Counts and times requests by route template (not raw path, to bound label cardinality)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            name = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - start
            REQUESTS.labels(scope["method"], name, str(status)).inc()
            LATENCY.labels(scope["method"], name).observe(elapsed)
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )
