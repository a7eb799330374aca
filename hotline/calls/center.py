"""The call center: drives the telephony engine with the IVR and the ACD, and records everything.

`start_callcenter(engine, db, bus)` (called by the calls plug-in, `calls/plugin.py`) builds a
`CallCenter`, sets `engine.on_inbound`, recovers CDRs left open by a crash, restores pending
callbacks and starts the ACD clock. An inbound leg is answered, walked through the published IVR
flow (prompts, DTMF), then enqueued, transferred, sent to voicemail or to the emergency fan-out.
ACD offers ring the agents' registered phones; the first to answer is bridged to the caller and
the call is recorded. Every ACD event goes to the queue log, the live KPIs and the bus
(`hotline.calls.records`). Call control (CTI) is the `control` collaborator
(`hotline.calls.control`), what consoles read the `views` one (`hotline.calls.views`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline.acd.engine import Acd, Action, Offer, OverflowAction
from hotline.acd.service import runtime_config
from hotline.acd.states import AgentState
from hotline.acd.topics import AcdConfigChanged
from hotline.bus import Bus, Event
from hotline.calls import cdr
from hotline.calls.alerts import EmergencyBoard
from hotline.calls.control import CallControl
from hotline.calls.diversion import Diversions
from hotline.calls.endings import Endings
from hotline.calls.facts import OpenWorkOrders, no_open_work_orders
from hotline.calls.hooks import CallHookContext, CallHookPoint, CallHooks
from hotline.calls.kpi import KpiBook
from hotline.calls.live import LiveCall
from hotline.calls.marks import MarkBook
from hotline.calls.offers import Offers
from hotline.calls.pending import PendingCallbacks
from hotline.calls.records import Records
from hotline.calls.routing import IvrRunner
from hotline.calls.telephony import EnginePort, LegPort
from hotline.calls.topics import AgentScreenPopped
from hotline.calls.views import CallViews
from hotline.calls.waiting import ANNOUNCE_SECONDS, WaitingRoom
from hotline.calls.writer import Writer
from hotline.errors import HotlineError
from hotline.store.db import Database

log = logging.getLogger(__name__)
RESTORED_AFTER_WRAP_UP = "wrap_up"  # not-ready reason of an agent restored from wrap-up


class CallCenter:
    """The running call center: its parts (`offers`, `records`, `ivr`, `waiting`, `callbacks`,
    `endings`, and the two the consoles reach: `control`, call control (CTI), and `views`, what they
    read) each hold a reference to it typed by `hotline.calls.host.CenterPort`."""

    def __init__(
        self,
        engine: EnginePort,
        db: Database,
        bus: Bus,
        *,
        recordings_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        tick_seconds: float = 0.2,
        timezone: str = "Asia/Shanghai",
        announce_seconds: float = ANNOUNCE_SECONDS,
        journal_dir: Path | None = None,
        journal_bytes: int = 64 << 20,
    ) -> None:
        self.engine = engine
        self.db = db
        self.bus = bus
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.announce_seconds = announce_seconds
        self.recordings_dir = recordings_dir or Path(getattr(engine, "recordings_dir", "var/recordings"))
        self.acd = Acd()
        self.kpi = KpiBook()
        self.live: dict[str, LiveCall] = {}
        # Records the database cannot take wait in the journal (without a folder: in memory only).
        self.writer = Writer(db, journal_dir=journal_dir, journal_bytes=journal_bytes, bus=bus)
        self.marks = MarkBook(self)
        self.alerts = EmergencyBoard(bus, clock)
        self.hooks = CallHooks()  # other domains join the call's life here (hotline.calls.hooks)
        self.diversions = Diversions()  # emergency modes change a call's route (hotline.calls.diversion)
        self.last_pop: dict[int, dict[str, Any]] = {}  # agent -> the last screen pop (page reloads)
        # Set by the work-orders plug-in (IVR branches and screen pops count a caller's open orders).
        self.open_work_orders: OpenWorkOrders = no_open_work_orders
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self.timezone = timezone
        self.records = Records(self)
        self.acd.listeners.append(self.records.on_acd)
        self.offers = Offers(self)
        self.ivr = IvrRunner(self)
        self.waiting = WaitingRoom(self)
        self.callbacks = PendingCallbacks(self)
        self.endings = Endings(self)
        self.control = CallControl(self)
        self.views = CallViews(self)
        self._day = self.records.today()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        replayed = self.writer.recover_journal()  # first: a journaled end of call beats "failed"
        if replayed:
            log.warning("replayed %d call-record writes an earlier process left in the journal", replayed)
        recovered = cdr.recover(self.db, self.recordings_dir)
        if any(recovered.values()):
            log.warning("recovered after a crash: %s", recovered)
        self.reload()
        self.records.replay_kpis()
        self.restore_agent_states()
        self.writer.start()
        self.callbacks.restore_callbacks()
        self.engine.on_inbound = self.ivr.inbound
        self._unsubscribe = [
            self.bus.subscribe(AcdConfigChanged, self._on_config, remote=True),  # another node's admin
            *self.endings.subscribe(),
            *self.marks.subscribe(),
            *self.alerts.subscribe(),
        ]
        self._ticker = asyncio.ensure_future(self._tick_loop())

    async def stop(self) -> None:
        # A clean shutdown ends calls in progress itself, so their CDRs close as "shutdown" rather
        # than being found open (failed) at the next start.
        for live in list(self.live.values()):
            with contextlib.suppress(Exception):
                await live.call.hangup("shutdown")
        await asyncio.sleep(0.05)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._ticker is not None:
            self._ticker.cancel()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.writer.stop()
        leftover = list(self._tasks)  # hooks the last writes started (call ended)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        if self.engine.on_inbound == self.ivr.inbound:
            self.engine.on_inbound = None

    def restore_agent_states(self) -> int:
        """After a restart agents keep their ready / not-ready state (and reason) instead of all
        being logged out. One who was on a call lost it with the process, so is ready again; one
        in wrap-up keeps a not-ready state to finish the notes."""
        restored = 0
        for agent_id, state, reason in self.records.last_agent_states():
            if agent_id not in self.acd.agents or state == AgentState.logged_out.value:
                continue
            if self.acd.agents[agent_id].state is not AgentState.logged_out:
                continue
            self.apply(self.acd.login(agent_id, self.clock()))
            if state in (AgentState.not_ready.value, AgentState.wrap_up.value):
                self.acd.set_not_ready(agent_id, self.clock(), reason or RESTORED_AFTER_WRAP_UP)
            restored += 1
        if restored:
            log.info("restored the ready/not-ready state of %d agents", restored)
        return restored

    def _on_config(self, _event: Event) -> None:
        """Configuration changed and committed (the bus brings it to our loop): reload."""
        self.reload()

    def reload(self) -> None:
        with self.db.session() as s:
            queues, agents = runtime_config(s)
        for q in queues:
            self.acd.add_queue(q)
            self.kpi.service_levels[q.name] = q.service_level_seconds
            self.kpi.queue(q.name)  # every queue on the wallboard from the start, at zero
        for agent in agents:
            self.acd.add_agent(agent)
            self.kpi.agent_queues[agent.id] = list(agent.skills)
        configured = {a.id for a in agents}
        for agent_id in [a for a in self.acd.agents if a not in configured]:
            self.acd.remove_agent(agent_id)  # skills withdrawn: gone now, or at their next logout
            self.kpi.agent_queues.pop(agent_id, None)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("call-center task failed", exc_info=task.exception())

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            if self.records.today() != self._day:  # KPIs are per local day (24-hour answer rate)
                self._day = self.records.today()
                self.kpi.reset()
            self.apply(self.acd.tick(self.clock()))

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the call center's loop (the web layer may live on another one)."""
        if self.loop is None:
            raise HotlineError("the call center is not running", "呼叫中心未运行")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        async def wrapped() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(wrapped(), self.loop))

    def apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Offer):
                self.offers.offered(action)
            elif isinstance(action, OverflowAction):
                self.spawn(self.waiting.overflow(action))

    def hook_context(self, live: LiveCall, **changes: Any) -> CallHookContext | None:
        """What call hooks get about `live` (None: no caller's leg, e.g. an agent's outbound call)."""
        if live.caller_leg is None:
            return None
        agent = self.acd.agents.get(live.agent_id) if live.agent_id is not None else None
        fields: dict[str, Any] = {
            "call_id": live.uuid,
            "caller_leg": live.caller_leg,
            "caller_number": live.caller_number or None,
            "caller_id": live.facts.caller_id,
            "queue": live.queue,
            "agent_id": live.agent_id,
            "agent_leg": live.agent_leg,
            "agent_extension": agent.extension if agent is not None else None,
            "flow": live.flow_name,
            "ivr_vars": dict(live.ivr_vars),
            "outcome": live.outcome,
            "recording": live.recording,
        }
        return CallHookContext(**(fields | changes))

    def run_hooks(self, point: CallHookPoint, ctx: CallHookContext) -> None:
        self.spawn(self.hooks.run(point, ctx))

    def agent_connected(self, live: LiveCall) -> None:
        """The agent's leg is bridged to the caller: AGENT_CONNECTED hooks (the call goes on)."""
        if self.hooks.registered(CallHookPoint.AGENT_CONNECTED):
            ctx = self.hook_context(live)
            if ctx is not None:
                self.run_hooks(CallHookPoint.AGENT_CONNECTED, ctx)

    def keep_caller_after_agent(self, live: LiveCall, agent_leg: LegPort) -> None:
        """With AGENT_LEG_ENDED hooks registered, the caller is not hung up with the bridge when
        this agent's leg ends first: the engine hands that hang-up to `_after_agent` instead."""
        caller = live.caller_leg
        if caller is None or not self.hooks.registered(CallHookPoint.AGENT_LEG_ENDED):
            return
        agent_leg_id = agent_leg.id

        async def then(ended: Any) -> None:
            await self._after_agent(live, caller, ended.id == agent_leg_id)

        live.call.on_peer_hangup(caller, then)

    async def _after_agent(self, live: LiveCall, caller: Any, agent_left: bool) -> None:
        """The caller's bridged peer hung up first: run the AGENT_LEG_ENDED hooks with the caller
        still on the line (when it was this agent who left), then hang the caller up as the bridge
        would have."""
        if agent_left and caller.is_active:
            ctx = self.hook_context(live)
            if ctx is not None:
                await self.hooks.run(CallHookPoint.AGENT_LEG_ENDED, ctx)
        if caller.is_active:
            await caller.hangup("peer_hangup")

    def record(self, live: LiveCall) -> None:
        """Record the call (once: a transfer or a callback keeps the first recording)."""
        if live.recording is None:
            meta = {"queue": live.queue, "agent_id": live.agent_id, "caller": live.caller_number}
            live.recording = str(live.call.record(metadata=meta))

    def write(self, fn: Callable[[Session], object]) -> None:
        self.writer.submit(fn)

    async def screen_pop(self, live: LiveCall, agent_ids: tuple[int, ...]) -> None:
        """Publish what each ringing agent's console shows (looked up off the loop)."""
        from hotline.calls.screenpop import screen_pop

        def load() -> dict[str, Any]:
            with self.db.session() as s:
                return screen_pop(s, live, self.open_work_orders)

        data = await self.db.run(load)
        for agent_id in agent_ids:
            pop = AgentScreenPopped(agent_id=agent_id, **data)
            self.last_pop[agent_id] = pop.payload()
            self.bus.publish(pop)


async def start_callcenter(engine: EnginePort, db: Database, bus: Bus, **options: Any) -> CallCenter:
    """A call center started on the running loop (stop it with `await center.stop()`). The calls
    plug-in provides it to the rest of the process; there is no process-wide one."""
    center = CallCenter(engine, db, bus, **options)
    await center.start()
    return center
