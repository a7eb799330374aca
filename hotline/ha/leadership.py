"""Leading a node: the plug-in host (telephony engine, call center, jobs) runs only while this node
holds the `acd` lease; a standby node serves the web and the shared bus, answers the SIP edge's
probes (`standby.py`), and starts the host when the lease comes to it. A leader that loses the
lease stops its host and ends the process (started again by its supervisor, it comes back as a
standby): starting over is the one state that is certainly clean. While it leads, the telephony
pool's writes are fenced by its epoch (`LEADERSHIP`, read by the telephony plug-in), so a leader
that was paused past its lease cannot write over its successor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable

from hotline.config import Settings
from hotline.ha.elector import Elector
from hotline.ha.lease import ACD, Holding
from hotline.ha.standby import StandbySip
from hotline.plugins import Host, Service
from hotline.redisbus.topics import LEADER_CHANGED, BusResynced

log = logging.getLogger(__name__)

# The lease this process holds while its host runs (absent: no lease in use, or standing by).
LEADERSHIP: Service[Holding] = Service("ha.leadership")


def node_name(settings: Settings) -> str:
    return settings.ha.node or f"{socket.gethostname()}:{os.getpid()}"


class LeaderGate:
    """Runs `host` while this node holds the lease."""

    def __init__(self, host: Host, settings: Settings) -> None:
        self.host = host
        ha = settings.ha
        self.elector = Elector(host.ctx.db, ACD, node_name(settings), ha.lease_seconds, ha.renew_seconds)
        self.elector.on_elected = self._elected
        self.elector.on_lost = self._lost
        self._rounds: asyncio.Task[None] | None = None
        self.starting: asyncio.Task[None] | None = None  # the host's start, once elected
        # How a node that lost the lease ends (tests put their own here).
        self.exit: Callable[[], None] = lambda: os.kill(os.getpid(), signal.SIGTERM)
        sip = settings.sip
        self.standby = StandbySip(sip.host, sip.port) if sip.enabled else None

    async def start(self) -> None:
        # A standby's web writes announce themselves on the shared bus too (the host does this
        # for a leader when it starts).
        self.host.ctx.db.info["bus"] = self.host.ctx.bus
        if self.standby is not None:
            await self.standby.open()
        self._rounds = asyncio.ensure_future(self.elector.run())

    async def _elected(self, holding: Holding) -> None:
        self.host.ctx.provide(LEADERSHIP, holding)
        if self.standby is not None:
            self.standby.close()  # the engine takes the port over
        # In its own task: the renewals go on while the plug-ins start.
        self.starting = asyncio.ensure_future(self._start_host())

    async def _start_host(self) -> None:
        try:
            await self.host.start()
        except Exception:
            log.exception("leader: the plug-ins did not start; giving the lease up")
            await self.elector.stop(give_up=True)
            self.exit()
            return
        # Consoles connected while this node stood by reconnect to the call center it now runs.
        bus = self.host.ctx.bus
        bus.publish(BusResynced(node=self.elector.holder, reason=LEADER_CHANGED))

    async def _lost(self) -> None:
        await self._stop_host()
        self.host.ctx.withdraw(LEADERSHIP)
        log.error("leader lease lost: stopping this process (it comes back as a standby)")
        self.exit()

    async def _stop_host(self) -> None:
        if self.starting is not None:
            with contextlib.suppress(Exception):
                await self.starting
            self.starting = None
        await self.host.stop()

    async def stop(self) -> None:
        """Shutdown: stop the host (calls end, records close), then give the lease up at once."""
        await self._stop_host()
        await self.elector.stop(give_up=True)
        if self.standby is not None:
            self.standby.close()
        if self._rounds is not None:
            self._rounds.cancel()
            await asyncio.gather(self._rounds, return_exceptions=True)
