"""Liveness and readiness (public, for load balancers), and Prometheus metrics.

Metrics name every route and its traffic, so they need `metrics.read` (a bearer token for the
scraper) unless the scraper's address is listed in the `metrics_allow` setting.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from hotline import __version__
from hotline.web.auth import Principal, require_unless_allowed
from hotline.web.problems import problem

router = APIRouter(tags=["health"])
PUBLIC_ROUTES = {("GET", "/healthz"), ("GET", "/readyz")}
METRICS_ACCESS = require_unless_allowed("metrics.read", "metrics_allow")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, object] | Response:
    checks: dict[str, str] = {}
    try:
        with request.app.state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
        return problem(503, "not_ready", "Not ready", "database unreachable", "未就绪", "数据库不可用")
    return {"status": "ready", "checks": checks}


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {"text/plain": {}}}})
def metrics(
    _: Principal | None = Depends(require_unless_allowed("metrics.read", "metrics_allow")),
) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
