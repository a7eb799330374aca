"""The FastAPI application factory: settings, database, middleware, error shapes, routers, console.

It only builds the HTTP app. What runs beside it (the telephony engine, the call center, the
mailbox, jobs) belongs to the plug-ins (`hotline.plugins`): the lifespan asks their `Host` to
start and stop, and the host's `Context` is `app.state.services` (read through
`web/services.py`). Routers are the modules the plug-ins name by dotted path: each exports
`router` and may export `PUBLIC_ROUTES`, the (method, path) pairs that need no sign-in. Every
other route must declare a permission through `require(...)`; a test walks all routes and roles.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline import __version__
from hotline.bus import InProcessBus
from hotline.config import Settings, get_settings
from hotline.ha.leadership import LeaderGate
from hotline.people.permissions import ROLE_PERMISSIONS
from hotline.plugins import Context, Host, Plugin, default_plugins, router_paths
from hotline.redisbus import bus_for
from hotline.redisbus import connect as connect_bus
from hotline.redisbus import disconnect as disconnect_bus
from hotline.safety import enforce as enforce_safe_defaults
from hotline.store.db import Database
from hotline.telephony.phones import browser_phone_sources
from hotline.web import openapi, problems
from hotline.web.admission import install as install_admission
from hotline.web.deps import get_session
from hotline.web.headers import SecurityHeaders
from hotline.web.lockout import LoginLockout
from hotline.web.middleware import BodyLimit, Metrics

log = logging.getLogger(__name__)
FRONTEND_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"


def router_modules(plugins: Iterable[Plugin] | None = None) -> list[ModuleType]:
    """The router modules the plug-ins declare (all built-in plug-ins unless given)."""
    chosen = default_plugins() if plugins is None else plugins
    return [importlib.import_module(path) for path in router_paths(chosen)]


def public_routes(plugins: Iterable[Plugin] | None = None) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for mod in router_modules(plugins):
        out |= set(getattr(mod, "PUBLIC_ROUTES", set()))
    return out


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """All API routes, looking inside included routers (FastAPI nests them since 0.16x).

    Routers are included without an extra prefix, so each route's own path is its full path.
    """
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif getattr(route, "original_router", None) is not None:
            out.extend(api_routes(route.original_router.routes))
    return out


def _session_dependants(dep: Dependant) -> Iterator[Dependant]:
    for sub in dep.dependencies:
        if sub.call is get_session:
            yield sub
        yield from _session_dependants(sub)


def check_commit_scope(app: FastAPI) -> None:
    """Refuse to start if a route's database session would commit after its response.

    FastAPI ends `yield` dependencies after the response is sent unless they are declared with
    scope="function"; a client could then read before the write it was told about is
    committed, and a crash could lose an acknowledged write. So every route must take its
    session as `Depends(get_session, scope="function")` (or through `current_principal`).
    """
    late = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in api_routes(app.routes)
        for dep in _session_dependants(route.dependant)
        if dep.scope != "function"
    ]
    if late:
        raise RuntimeError(
            'use Depends(get_session, scope="function") so writes commit before the response: '
            + ", ".join(sorted(set(late)))
        )


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    startup_checks: bool = True,
    *,
    plugins: Sequence[Plugin] | None = None,
    bus: InProcessBus | None = None,
) -> FastAPI:
    """The app on `plugins` (default: `hotline.plugins.PLUGINS` and the `plugins` setting);
    `startup_checks=False` when the caller (`hotline serve`) already ran `safety.enforce`."""
    settings = settings or get_settings()
    db = db or Database(settings.database_url)
    chosen = default_plugins(settings) if plugins is None else list(plugins)
    host = Host(Context(settings, db, bus or bus_for(settings)), chosen)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if startup_checks:
            enforce_safe_defaults(settings, db)  # refuses to start in production with defaults
        await connect_bus(host.ctx.bus)
        try:
            # With the leader lease, the plug-ins run only while this node leads (hotline.ha).
            runner = LeaderGate(host, settings) if settings.ha.lease else host
            await runner.start()
            try:
                yield
            finally:
                await runner.stop()
        finally:
            await disconnect_bus(host.ctx.bus)
            app.state.health_db.dispose()

    app = FastAPI(
        title="hotline",
        version=__version__,
        description="Public-service hotline: calls, work orders, knowledge. 热线服务平台 API。",
        lifespan=lifespan,
        # Served by web/routers/docs.py to signed-in users only.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.host = host
    app.state.services = host.ctx
    app.state.login_lockout = LoginLockout(
        settings.login_max_failures,
        settings.login_window_seconds,
        settings.login_lock_seconds,
        settings.login_lock_max_seconds,
        settings.login_ip_max_failures,
    )
    # Health checks have their own connection and thread, so /readyz answers while requests queue.
    app.state.health_db = db.sibling("health", 1)
    app.state.role_permissions = ROLE_PERMISSIONS
    problems.install(app)
    openapi.install(app)
    for mod in router_modules(chosen):
        app.include_router(mod.router)
    check_commit_scope(app)
    app.add_middleware(Metrics)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    install_admission(app, settings, db)
    # Outermost, so every response (413s and errors included) carries the security headers.
    app.add_middleware(
        SecurityHeaders,
        trusted_proxies=tuple(settings.trusted_proxies),
        connect_src=browser_phone_sources(settings.sip),
    )
    _mount_console(app)
    return app


def _mount_console(app: FastAPI) -> None:
    """Serve the built console; unknown non-API paths fall back to index.html (SPA routing)."""
    if not (FRONTEND_DIST / "index.html").exists():
        return
    assets = FRONTEND_DIST / "assets"
    if assets.exists():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")
    index = FRONTEND_DIST / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def console(path: str) -> FileResponse:
        if path.startswith(("api/", "ws/")):
            raise StarletteHTTPException(404, f"no such endpoint: /{path}")
        candidate = (FRONTEND_DIST / path).resolve()
        if path and candidate.is_file() and FRONTEND_DIST in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index)
