"""Liveness and readiness (public, for load balancers), and Prometheus metrics.

Metrics name every route and its traffic, so they need `metrics.read` (a bearer token for the
scraper) unless the scraper's address is listed in the `metrics_allow` setting.

`/readyz` proves the write path, not just a connection: it rewrites a `health_probes` row (a
read-only or full database fails the commit) and writes, syncs and removes a small file in the data
directory and beside a SQLite database (a full disk fails there first; recordings and the WAL need
that room). It runs on the app's own one-connection `health_db`, async, so it answers while API
requests queue for the web pool and its worker threads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hotline import __version__
from hotline.store.db import Database
from hotline.store.models import write_probe
from hotline.web.auth import Principal, require_unless_allowed
from hotline.web.problems import problem

router = APIRouter(tags=["health"])
PUBLIC_ROUTES = {("GET", "/healthz"), ("GET", "/readyz")}
# metrics.read, or an address in `metrics_allow` (the Prometheus host) without signing in.
MetricsReader = Annotated[Principal | None, Depends(require_unless_allowed("metrics.read", "metrics_allow"))]
PROBE_BYTES = 4096  # one page: a disk with less room than this cannot take a commit either


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def _file_write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f".readyz-{os.getpid()}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        path.unlink(missing_ok=True)


def _directories(request: Request) -> list[Path]:
    dirs = [Path(request.app.state.settings.data_dir)]
    db: Database = request.app.state.db
    if db.is_sqlite:
        file = db.url.split("///", 1)[-1]
        if file and file != ":memory:" and Path(file).parent not in dirs:
            dirs.append(Path(file).parent)
    return dirs


def _probe(request: Request) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        write_probe(request.app.state.health_db)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    for directory in _directories(request):
        try:
            _file_write(directory)
            checks[f"disk:{directory}"] = "ok"
        except OSError as exc:
            checks[f"disk:{directory}"] = f"error: {exc.strerror or type(exc).__name__}"
    return checks


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> dict[str, object] | Response:
    health_db: Database = request.app.state.health_db
    checks = await health_db.run(_probe, request)
    failed = sorted(name for name, value in checks.items() if value != "ok")
    if failed:
        return problem(
            503,
            "not_ready",
            "Not ready",
            "cannot write: " + ", ".join(f"{name} ({checks[name]})" for name in failed),
            "未就绪",
            "无法写入：" + "、".join(failed),
            checks=checks,
        )
    return {"status": "ready", "checks": checks}


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {"content": {"text/plain": {}}}})
def metrics(_: MetricsReader) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
