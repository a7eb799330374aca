"""Admission control for the API: a bounded number of requests in progress, a short queue, 503 after.

Every API request holds a database connection (its session) for most of its life. Letting more in
than the web pool holds made them wait for connections while holding worker threads, until the
30-second pool timeout turned them all into 500s. So `/api/` requests take a slot first: at most
`limit` (matched to the web pool) run at once, up to `queue` more wait at most `wait_seconds` for
one, and the rest are answered at once with 503 problem+json and `Retry-After`. Health checks,
metrics, the console's static files and WebSockets pass without a slot, so the monitoring agent
still hears from a busy server. A pool timeout that happens anyway (a background job holding
connections) is also a 503 with `Retry-After`, not a 500.
"""

from __future__ import annotations

import asyncio
import collections
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Gauge
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from hotline.config import Settings
from hotline.store.db import Database
from hotline.web.problems import problem

REJECTED = Counter("hotline_http_rejected_total", "API requests refused with 503 (server busy)")
IN_FLIGHT = Gauge("hotline_http_in_flight", "API requests holding an admission slot")
RESERVED_CONNECTIONS = 4  # of the web pool, for background jobs, WebSockets and the CLI-less rest

TITLE, TITLE_ZH = "Server busy", "服务器繁忙"
DETAIL, DETAIL_ZH = "Too many requests in progress; retry shortly.", "当前请求过多，请稍后重试。"


def _busy_body() -> bytes:
    return json.dumps(
        {
            "type": "https://hotline.invalid/problems/busy",
            "title": TITLE,
            "status": 503,
            "detail": DETAIL,
            "code": "busy",
            "title_zh": TITLE_ZH,
            "detail_zh": DETAIL_ZH,
        },
        ensure_ascii=False,
    ).encode()


class Admission:
    """ASGI middleware: `limit` API requests at once, `queue` waiting up to `wait_seconds` each."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        queue: int = 64,
        wait_seconds: float = 2.0,
        retry_after: int = 1,
        prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.limit = max(1, limit)
        self.queue = max(0, queue)
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self.prefix = prefix
        self.active = 0
        self.rejected = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if not await self._acquire():
            await self._reject(send)
            return
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            IN_FLIGHT.dec()
            self._release()

    async def _acquire(self) -> bool:
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return True
        if len(self._waiters) >= self.queue:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait_seconds):
                await waiter
            return True  # the releasing request handed its slot over (`active` unchanged)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # handed over in the same instant as the deadline
            waiter.cancel()
            return False
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot, then abandoned: pass it on
            waiter.cancel()
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.active -= 1

    async def _reject(self, send: Send) -> None:
        self.rejected += 1
        REJECTED.inc()
        body = _busy_body()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _pool_timeout(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(503, "busy", TITLE, DETAIL, TITLE_ZH, DETAIL_ZH, headers={"Retry-After": "1"})


def concurrency(settings: Settings, db: Database) -> int:
    """Requests in progress at once: configured, or what the web pool can serve beside its reserve."""
    return settings.http_max_concurrency or max(2, db.capacity - RESERVED_CONNECTIONS)


def install(app: FastAPI, settings: Settings, db: Database) -> None:
    """Add the admission middleware (outermost, so a refusal costs nothing) and the pool-timeout
    handler."""
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_middleware(
        Admission,
        limit=concurrency(settings, db),
        queue=settings.http_queue,
        wait_seconds=settings.http_queue_seconds,
    )
