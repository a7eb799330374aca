"""Plug-ins: the one place where each domain joins the running center.

A domain's `plugin.py` exports `PLUGIN`, a `Plugin` that declares what the domain adds to a running
process: its HTTP routers (as dotted module paths, so no domain imports `hotline.web`; the web app
resolves them), its periodic jobs, its bus subscriptions, its call hooks and what it starts and
stops. What a plug-in needs comes in one typed `Context`: the settings, the database and the bus as
fields, and what another plug-in started (the telephony engine, the call center) through typed
`Service` keys that the providing domain defines (`hotline.calls.plugin.CENTER`).

`PLUGINS` is the ordered list every process builds from (`hotline serve`, `hotline telephony`, the
tests); adding a domain means adding its line here, nothing else central. Operators (and tests)
may add plug-ins of their own with the `plugins` setting (`HOTLINE_PLUGINS='["pkg.mod:PLUGIN"]'`),
appended after these. `Host` starts them in list order and stops them in reverse.

This module imports no domain (the list is strings), so every domain may import it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

from hotline.bus import Handler, InProcessBus, Pattern
from hotline.config import Settings
from hotline.jobs.runner import Job, JobRunner
from hotline.store.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

# The domains, in start order (a plug-in may use what an earlier one provides).
PLUGINS: tuple[str, ...] = (
    "hotline.web.plugin",
    "hotline.audit.plugin",
    "hotline.people.plugin",
    "hotline.acd.plugin",
    "hotline.ivr.plugin",
    "hotline.telephony.plugin",
    "hotline.calls.plugin",
    "hotline.workorders.plugin",
    "hotline.channels.plugin",
    "hotline.knowledge.plugin",
    "hotline.workforce.plugin",
    "hotline.quality.plugin",
    "hotline.opinion.plugin",
    "hotline.newmedia.plugin",
    "hotline.analytics.plugin",
    "hotline.surveys.plugin",
    "hotline.satisfaction.plugin",
    "hotline.contingency.plugin",
)


@dataclass(frozen=True)
class Service(Generic[T]):
    """A typed key for something one plug-in starts and others use. The providing domain defines
    the key next to its plug-in (`CENTER: Service[CallCenter] = Service("calls.center")`), so a user
    imports the key from the provider: the dependency shows in the import graph and in the type."""

    name: str


class Context:
    """What plug-ins get: settings, database and bus, plus the services plug-ins provide."""

    def __init__(self, settings: Settings, db: Database, bus: InProcessBus) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        self._services: dict[str, Any] = {}

    def provide(self, key: Service[T], value: T) -> None:
        self._services[key.name] = value

    def withdraw(self, key: Service[T], value: T | None = None) -> None:
        """Remove `key` (only if it still holds `value`, when given)."""
        if value is None or self._services.get(key.name) is value:
            self._services.pop(key.name, None)

    def find(self, key: Service[T]) -> T | None:
        """The service, or None when no plug-in provides it in this process (SIP off)."""
        return cast("T | None", self._services.get(key.name))

    def get(self, key: Service[T]) -> T:
        value = self.find(key)
        if value is None:
            raise LookupError(f"no plug-in provides {key.name!r} (is it earlier in PLUGINS, and enabled?)")
        return value


# A plug-in's subscription: (event type or pattern, handler), or with `True` third for the events
# of other nodes too (a shared bus, `hotline.redisbus`: e.g. configuration another node changed).
Subscribed = tuple[Pattern, Handler] | tuple[Pattern, Handler, bool]

# A call hook as the kernel sees it: `hotline.calls.hooks.CallHook` (a coroutine function of a
# `CallHookContext`). The kernel names no calls type, so `calls` can depend on it and not back.
AnyCallHook = Callable[[Any], Awaitable[None]]


class HookRegistry(Protocol):
    """Where call hooks are registered: `hotline.calls.hooks.CallHooks` of the running center."""

    def register(self, point: Any, hook: Any) -> Callable[[], None]: ...


# Provided by the calls plug-in while a call center runs; the host registers plug-ins' hooks on it.
CALL_HOOKS: Service[HookRegistry] = Service("calls.hooks")


@dataclass(frozen=True)
class Plugin:
    """What one domain adds to a running process. Subclass it for start/stop/subscriptions/hooks
    that need the context; plain declarations (name, routers, jobs) fit the constructor.

    A plug-in is a declaration shared by every host in the process (tests build many apps), so
    it is frozen: what it starts lives in the `Context` (`ctx.provide`), never on the plug-in.

    - `routers`: dotted paths of modules exporting `router` (and maybe `PUBLIC_ROUTES`), included by
      `hotline.web.app` in module-name order.
    - `jobs`: periodic jobs, run under database leases when `jobs_enabled`.
    - `subscriptions(ctx)`: (event type or topic pattern, handler) pairs, subscribed after every
      plug-in started (docs/events.md lists them); a third `True` adds other nodes' events.
    - `call_hooks(ctx)`: {`CallHookPoint`: [hook, ...]}, registered on the running call center.
    - `start(ctx)` / `stop(ctx)`: in list order / reverse order. `stop` also runs after a start
      that failed half-way, so it closes only what it finds in the context.
    - `after`: names of plug-ins whose services this one uses; when present they must come earlier
      in the list (the host refuses an order that would silently miss them).
    """

    name: str
    routers: Sequence[str] = ()
    jobs: Sequence[Job] = ()
    after: Sequence[str] = ()

    def subscriptions(self, ctx: Context) -> Iterable[Subscribed]:
        return ()

    def call_hooks(self, ctx: Context) -> Mapping[str, Sequence[AnyCallHook]]:
        return {}

    async def start(self, ctx: Context) -> None:
        return None

    async def stop(self, ctx: Context) -> None:
        return None


def load(path: str) -> Plugin:
    """The plug-in at `path`: "pkg.module" (its `PLUGIN`) or "pkg.module:NAME"."""
    module_name, _, attr = path.partition(":")
    plugin = getattr(importlib.import_module(module_name), attr or "PLUGIN")
    if not isinstance(plugin, Plugin):
        raise TypeError(f"{path} is not a hotline.plugins.Plugin")
    return plugin


def default_plugins(settings: Settings | None = None) -> list[Plugin]:
    """`PLUGINS`, then the ones the settings add (`plugins`)."""
    extra = tuple(settings.plugins) if settings is not None else ()
    plugins = [load(path) for path in (*PLUGINS, *extra)]
    names = [p.name for p in plugins]
    if len(set(names)) != len(names):
        raise ValueError(f"two plug-ins share a name: {names}")
    return plugins


def router_paths(plugins: Iterable[Plugin]) -> list[str]:
    """Every router module the plug-ins declare, in module-name order (the order routes match:
    `workorder_desk`'s literal paths before `workorders`' `/{order_id}`)."""
    return sorted({path for p in plugins for path in p.routers})


def all_jobs(plugins: Iterable[Plugin]) -> list[Job]:
    return [job for p in plugins for job in p.jobs]


def check_order(plugins: Sequence[Plugin]) -> None:
    """Each plug-in comes after the ones it names in `after` (those absent are no concern)."""
    position = {p.name: i for i, p in enumerate(plugins)}
    late = [
        f"{p.name} must start after {dep}"
        for i, p in enumerate(plugins)
        for dep in p.after
        if position.get(dep, -1) > i
    ]
    if late:
        raise ValueError("plug-ins out of order: " + "; ".join(late))


class Host:
    """Starts plug-ins in order, then their subscriptions, call hooks and jobs; stops in reverse.

    A plug-in whose start fails stops the start: it and the ones before it are stopped again
    (reverse order) before the error goes up, so a refused start leaves no sockets behind."""

    def __init__(self, ctx: Context, plugins: Sequence[Plugin]) -> None:
        check_order(plugins)
        self.ctx = ctx
        self.plugins = list(plugins)
        self._started: list[Plugin] = []
        self._undo: list[Callable[[], None]] = []
        self._runner: JobRunner | None = None

    @property
    def running(self) -> bool:
        return bool(self._started)

    async def start(self) -> None:
        # Writes announce themselves on this host's bus (`bus.publish_on_commit`), not a global one.
        self.ctx.db.info["bus"] = self.ctx.bus
        try:
            for plugin in self.plugins:
                self._started.append(plugin)  # stopped even if its start fails half-way
                await plugin.start(self.ctx)
            for plugin in self.plugins:
                for pattern, handler, *remote in plugin.subscriptions(self.ctx):
                    wide = bool(remote and remote[0])
                    self._undo.append(self.ctx.bus.subscribe(pattern, handler, remote=wide))
            self._register_call_hooks()
            if self.ctx.settings.jobs_enabled:
                self._runner = JobRunner(self.ctx.db, all_jobs(self.plugins))
                self._runner.start()
        except BaseException:
            await self.stop()
            raise

    def _register_call_hooks(self) -> None:
        declared = [(p, p.call_hooks(self.ctx)) for p in self.plugins]
        if not any(hooks for _, hooks in declared):
            return
        registry = self.ctx.find(CALL_HOOKS)
        if registry is None:
            return  # no call center in this process (SIP off): nothing to hook into
        for _plugin, hooks in declared:
            for point, fns in hooks.items():
                for fn in fns:
                    self._undo.append(registry.register(point, fn))

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.stop()
            self._runner = None
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        while self._started:
            plugin = self._started.pop()
            try:
                await plugin.stop(self.ctx)
            except Exception:
                # One plug-in failing to stop must not keep the others' sockets open.
                log.exception("plug-in %s failed to stop", plugin.name)

    @contextlib.asynccontextmanager
    async def running_context(self) -> AsyncIterator[Host]:
        """`async with host.running_context():` start, then stop whatever happens."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()


async def run_until_stopped(host: Host, stop: asyncio.Event | None = None) -> None:
    """Start `host`, wait for SIGINT/SIGTERM (or `stop`), then stop it (`hotline telephony`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    async with host.running_context():
        await stop.wait()
        log.info("stopping")
