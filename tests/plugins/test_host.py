"""The plug-in host: start order, stop in reverse (also after a failed start), subscriptions
and jobs from plug-ins, and every router module claimed by a plug-in."""

from __future__ import annotations

import asyncio
import pkgutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from hotline.bus import Handler, InProcessBus, Pattern
from hotline.calls.hooks import CallHookPoint, CallHooks
from hotline.config import Settings
from hotline.events import BusEvent, topic
from hotline.plugins import (
    CALL_HOOKS,
    PLUGINS,
    AnyCallHook,
    Context,
    Host,
    Plugin,
    Service,
    all_jobs,
    default_plugins,
    load,
    router_paths,
)
from hotline.store.db import Database
from hotline.web import routers


class Recorder(Plugin):
    """Appends "start NAME"/"stop NAME" to the log kept in the context; fails when named "bad"."""

    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        return [(f"{self.name}.*", lambda event: log(ctx).append(f"{self.name} got {event.topic}"))]

    async def start(self, ctx: Context) -> None:
        log(ctx).append(f"start {self.name}")
        if self.name == "bad":
            raise RuntimeError("cannot start")

    async def stop(self, ctx: Context) -> None:
        log(ctx).append(f"stop {self.name}")


LOG: Service[list[str]] = Service("test.log")


def log(ctx: Context) -> list[str]:
    found = ctx.find(LOG)
    if found is None:
        found = []
        ctx.provide(LOG, found)
    return found


def ping(name: str) -> BusEvent:
    """A toy event outside the catalogue, published under `name`."""

    @topic(name, catalogued=False)
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Ping(BusEvent):
        """A test's own event."""

    return Ping()


def context(tmp_path: Path) -> Context:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/h.db", jobs_enabled=False)
    return Context(settings, Database(settings.database_url), InProcessBus())


def test_plugins_start_in_order_and_stop_in_reverse(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    host = Host(ctx, [Recorder("a"), Recorder("b")])

    async def main() -> None:
        async with host.running_context():
            ctx.bus.publish(ping("b.ping"))
            ctx.bus.publish(ping("c.ping"))
        ctx.bus.publish(ping("a.after"))  # unsubscribed at stop

    asyncio.run(main())
    assert log(ctx) == ["start a", "start b", "b got b.ping", "stop b", "stop a"]


def test_a_failed_start_stops_what_started(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    host = Host(ctx, [Recorder("a"), Recorder("bad"), Recorder("c")])
    with pytest.raises(RuntimeError):
        asyncio.run(host.start())
    assert log(ctx) == ["start a", "start bad", "stop bad", "stop a"]
    assert not host.running


def test_a_plugin_listed_before_one_it_uses_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="b must start after a"):
        Host(context(tmp_path), [Recorder("b", after=("a",)), Recorder("a")])
    Host(context(tmp_path), [Recorder("b", after=("absent",))])  # an absent one is no concern


def test_every_router_module_belongs_to_one_plugin() -> None:
    declared = [path for p in default_plugins() for path in p.routers]
    assert len(declared) == len(set(declared)), "a router module is declared by two plug-ins"
    modules = {f"{routers.__name__}.{m.name}" for m in pkgutil.iter_modules(routers.__path__)}
    assert set(router_paths(default_plugins())) == modules


def test_plugins_are_named_once_and_declare_the_domain_jobs() -> None:
    plugins = default_plugins()
    assert [p.name for p in plugins] == [load(path).name for path in PLUGINS]
    names = {job.name for job in all_jobs(plugins)}
    assert {"workorders.sweep_deadlines", "channels.retry_inbox", "knowledge.sweep"} <= names
    assert "calls.recording_retention" in names


def test_settings_add_plugins_after_the_built_in_ones() -> None:
    settings = Settings(plugins=["tests.plugins.test_host:EXTRA"])
    assert default_plugins(settings)[-1] is EXTRA


EXTRA = Plugin("extra")


def test_every_domain_jobs_module_is_run_by_its_plugin() -> None:
    """A `hotline/<domain>/jobs.py` whose `JOBS` no plug-in declares would never run."""
    import importlib

    import hotline

    declared = {job.name for job in all_jobs(default_plugins())}
    for mod in pkgutil.iter_modules(hotline.__path__):
        if mod.ispkg and (Path(hotline.__path__[0]) / mod.name / "jobs.py").exists():
            jobs = getattr(importlib.import_module(f"hotline.{mod.name}.jobs"), "JOBS", [])
            assert {job.name for job in jobs} <= declared, f"hotline/{mod.name}/jobs.py"


class Hooked(Plugin):
    def call_hooks(self, ctx: Context) -> Mapping[str, Sequence[AnyCallHook]]:
        return {CallHookPoint.AGENT_LEG_ENDED: [survey]}


async def survey(call: object) -> None:
    del call


def test_call_hooks_are_registered_on_the_running_center_and_removed_at_stop(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    hooks = CallHooks()
    host = Host(ctx, [Hooked("hooked")])

    async def main() -> None:
        await host.start()  # no call center in this process yet: nothing to register on
        assert not hooks.registered(CallHookPoint.AGENT_LEG_ENDED)
        await host.stop()
        ctx.provide(CALL_HOOKS, hooks)
        async with host.running_context():
            assert hooks.registered(CallHookPoint.AGENT_LEG_ENDED)
        assert not hooks.registered(CallHookPoint.AGENT_LEG_ENDED)

    asyncio.run(main())
