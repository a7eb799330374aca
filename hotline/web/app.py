"""The FastAPI application factory: settings, database, middleware, error shapes, routers, console.

Routers are found by walking `hotline.web.routers`: each module exports `router` and may export
`PUBLIC_ROUTES`, the (method, path) pairs that need no sign-in. Every other route must declare a
permission through `require(...)`; a test walks all routes and roles to prove it.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline import __version__
from hotline.bus import get_bus
from hotline.calls.center import start_callcenter, stop_callcenter
from hotline.channels.mailbox import start as start_mailbox
from hotline.channels.settings import get_channel_settings
from hotline.config import Settings, get_settings
from hotline.jobs import JobRunner
from hotline.people.permissions import ROLE_PERMISSIONS
from hotline.people.sip_credentials import UserCredentialStore
from hotline.safety import enforce as enforce_safe_defaults
from hotline.sip.engine import TelephonyEngine
from hotline.store.db import Database
from hotline.telephony.registrations import RegistrationStore
from hotline.telephony.service import apply_from_db as apply_trunks_from_db
from hotline.web import openapi, problems, routers
from hotline.web.admission import install as install_admission
from hotline.web.deps import get_session
from hotline.web.headers import SecurityHeaders
from hotline.web.lockout import LoginLockout
from hotline.web.middleware import BodyLimit, Metrics
from hotline.workorders.callcenter import install as connect_workorders

log = logging.getLogger(__name__)
FRONTEND_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"


# Startup/shutdown hooks a domain router may register (e.g. checking its search index).
# Periodic work belongs in `hotline/<domain>/jobs.py` (see hotline.jobs), not here.
Lifecycle = Callable[[FastAPI], Any]
STARTUP: list[Lifecycle] = []
SHUTDOWN: list[Lifecycle] = []


async def _run_hooks(hooks: list[Lifecycle], app: FastAPI) -> None:
    for hook in hooks:
        result = hook(app)
        if inspect.isawaitable(result):
            await result


def router_modules() -> list[Any]:
    mods = []
    for info in sorted(pkgutil.iter_modules(routers.__path__), key=lambda m: m.name):
        mods.append(importlib.import_module(f"{routers.__name__}.{info.name}"))
    return mods


def public_routes() -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for mod in router_modules():
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


async def start_telephony(
    settings: Settings, db: Database, credentials: UserCredentialStore
) -> tuple[TelephonyEngine, RegistrationStore]:
    """The SIP/RTP engine on the server's loop, with agents' credentials from the users table and
    the phones' registrations saved before the restart put back before it listens.

    `db` should be the telephony's own database (`Database.sibling`), so neither the credentials
    nor the call records wait for a connection the web's requests hold."""
    engine = TelephonyEngine(settings, get_bus(), credentials)
    if settings.sip.trunk_user:
        engine.trunk_credentials = (settings.sip.trunk_user, settings.sip.trunk_password)
    engine.qualify_interval = settings.sip.qualify_seconds
    # Trunks configured in the database overlay the settings' defaults.
    apply_trunks_from_db(engine, db, settings.sip)
    registrations = RegistrationStore(db, engine.registrar)
    restored = await registrations.load()
    if restored:
        log.info("restored %d phone registrations", restored)
    registrations.install()
    await engine.start()
    return engine, registrations


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


def _start_mailbox(db: Database, data_dir: Path) -> Controller | None:
    """The mailbox SMTP receiver; a busy port disables mail intake with an error, not the center."""
    channel_settings = get_channel_settings()
    try:
        return start_mailbox(db, channel_settings, data_dir)
    except (OSError, RuntimeError):
        log.exception(
            "mailbox receiver cannot listen on %s:%s; mail intake is off",
            channel_settings.mailbox_host,
            channel_settings.mailbox_port,
        )
        return None


def create_app(
    settings: Settings | None = None, db: Database | None = None, startup_checks: bool = True
) -> FastAPI:
    """The app; `startup_checks=False` when the caller (`hotline serve`) already ran `safety.enforce`."""
    settings = settings or get_settings()
    db = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if startup_checks:
            enforce_safe_defaults(settings, db)  # refuses to start in production with defaults
        runner = JobRunner(db) if settings.jobs_enabled else None
        if runner is not None:
            runner.start()
        telephony_db = db.sibling("telephony", settings.telephony_db_pool) if settings.sip.enabled else None
        credentials: UserCredentialStore | None = None
        telephony: TelephonyEngine | None = None
        registrations: RegistrationStore | None = None
        if telephony_db is not None:
            credentials = UserCredentialStore(telephony_db, settings.sip.realm)
            await credentials.start(get_bus())
            telephony, registrations = await start_telephony(settings, telephony_db, credentials)
        app.state.telephony = telephony
        if telephony is not None and telephony_db is not None:
            await start_callcenter(telephony, telephony_db, get_bus())
            connect_workorders(db, get_bus())
        mailbox = _start_mailbox(db, settings.data_dir) if settings.mailbox_enabled else None
        await _run_hooks(STARTUP, app)
        try:
            yield
        finally:
            await _run_hooks(list(reversed(SHUTDOWN)), app)
            if mailbox is not None:
                mailbox.stop()
            if telephony is not None:
                await stop_callcenter()
                await telephony.stop()
            if registrations is not None:
                await registrations.stop()
            if credentials is not None:
                await credentials.stop()
            if telephony_db is not None:
                telephony_db.dispose()
            if runner is not None:
                await runner.stop()
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
    for mod in router_modules():
        app.include_router(mod.router)
    check_commit_scope(app)
    app.add_middleware(Metrics)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    install_admission(app, settings, db)
    # Outermost, so every response (413s and errors included) carries the security headers.
    app.add_middleware(SecurityHeaders, trusted_proxies=tuple(settings.trusted_proxies))
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
