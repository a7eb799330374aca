"""The leader gate on an explicit clock: the host (the plug-ins) starts once this node is elected,
with the lease it holds provided to the plug-ins and a `leader_changed` resync published for the
consoles; when another node has taken the lease over, the host is stopped and the process told
to end before anything else runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.bus import InProcessBus
from hotline.config import HaSettings
from hotline.ha.leadership import LEADERSHIP, LeaderGate
from hotline.ha.lease import ACD, acquire
from hotline.plugins import Context, Host, Plugin
from hotline.redisbus.topics import LEADER_CHANGED, BusResynced
from hotline.store.db import Database
from tests.conftest import make_settings

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Recorder(Plugin):
    seen: list[object] = field(default_factory=list)

    async def start(self, ctx: Context) -> None:
        lead = ctx.find(LEADERSHIP)
        self.seen.append(("start", lead.epoch if lead else None))

    async def stop(self, ctx: Context) -> None:
        self.seen.append("stop")


def test_the_host_runs_only_while_this_node_leads(db: Database, tmp_root: Path) -> None:
    settings = make_settings(db, tmp_root, ha=HaSettings(node="a", lease=True))
    recorder = Recorder("recorder")
    bus = InProcessBus()
    host = Host(Context(settings, db, bus), [recorder])
    gate = LeaderGate(host, settings)
    exits: list[bool] = []
    gate.exit = lambda: exits.append(True)

    async def scenario() -> None:
        resyncs = bus.queue(BusResynced)
        await gate.elector.step(at(0))
        assert gate.starting is not None
        await gate.starting
        assert recorder.seen == [("start", 1)]
        assert (await resyncs.get(5)).data == {"node": "a", "reason": LEADER_CHANGED}
        await gate.elector.step(at(1))  # renewed: nothing changes
        assert recorder.seen == [("start", 1)] and exits == []
        assert acquire(db, ACD, "b", 3, at(4.5)) is not None  # a froze past its lease; b took over
        await gate.elector.step(at(5))
        assert recorder.seen == [("start", 1), "stop"] and exits == [True]
        assert host.ctx.find(LEADERSHIP) is None

    asyncio.run(scenario())
