"""The contingency plug-in: emergency modes applied to the running call center, and their HTTP API.

At start it loads the modes in force into a `ModeBoard` (provided as `MODES` for the web layer,
its diverter as `calls.plugin.DIVERTER` for the IVR simulator), registers the board as the call
center's diverter when a center runs (`hotline.calls.diversion`), and reloads it after every
`contingency.mode_switched`; TTS of the announcements runs in the background. Faults on the bus
(a trunk down or back, a recording failing) become alerts to the people on duty (`alerts.py`),
written in order and held through a database outage (`alert_writes.py`), delivered by the
`contingency.deliver_alerts` job; the database outage the call-record writer
announces is sent at once without the database (`outage.py`); the running center's queues are
watched for too many callers waiting and long waits (`queue_watch.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.bus import Event
from hotline.calls.plugin import CENTER, DIVERTER
from hotline.calls.topics import DatabaseLost, DatabaseRecovered, JournalFilled
from hotline.contingency import alerts, queue_watch
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.alert_writes import AlertWrites
from hotline.contingency.jobs import JOBS
from hotline.contingency.outage import OutageBoard
from hotline.contingency.runtime import ModeBoard
from hotline.contingency.topics import ModeSwitched
from hotline.plugins import Context, Plugin, Service, Subscribed
from hotline.sip.topics import CallRecordingFailed, TrunkFailed, TrunkRecovered
from hotline.store.base import utcnow

MODES: Service[ModeBoard] = Service("contingency.modes")


@dataclass
class _Running:
    board: ModeBoard
    outage: OutageBoard
    writes: AlertWrites
    unregister: Callable[[], None] | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


_RUNNING: Service[_Running] = Service("contingency.running")


class ContingencyPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        board = ModeBoard(ctx.db, ctx.settings.prompts_dir)
        running = _Running(board, OutageBoard(ctx.db), AlertWrites(ctx.db))
        ctx.provide(_RUNNING, running)
        board.modes = await ctx.db.run(board.load)
        board.mobiles = await ctx.db.run(board.load_mobiles)
        running.spawn(board.speak())
        center = ctx.find(CENTER)
        if center is not None:
            running.unregister = center.diversions.register(board.divert)
            center.diversions.remote_duty = board.remote_duty
            watch = queue_watch.QueueWatch(AlertSettings())
            running.spawn(queue_watch.run(watch, center.views.kpis, ctx.db))
        ctx.provide(MODES, board)
        ctx.provide(DIVERTER, board.divert)

    def subscriptions(self, ctx: Context) -> Iterable[Subscribed]:
        running = ctx.get(_RUNNING)

        def switched(_event: Event) -> None:
            running.spawn(running.board.refresh())

        def write(fn: Callable[[Session], object]) -> None:
            running.spawn(running.writes.submit(fn))

        # Each write keeps the time its fault was seen: an outage may hold it a while.
        def trunk_down(event: Event) -> None:
            name, why, at = event.data["trunk"], event.data.get("reason", ""), utcnow()
            text = f"中继故障：{name}（{event.data['target']}，{why}），外呼已改走其他中继。"
            write(lambda s: alerts.raise_alert(s, "trunk_down", f"trunk:{name}", text, at))

        def trunk_up(event: Event) -> None:
            key, at = f"trunk:{event.data['trunk']}", utcnow()
            write(lambda s: alerts.resolve(s, key, at))

        def recording_failed(event: Event) -> None:
            error, call, at = event.data.get("error", ""), event.data.get("call_id", ""), utcnow()
            text = f"录音失败：{error}（通话 {call}），请检查磁盘。"
            write(lambda s: alerts.raise_alert(s, "recording_failed", "recordings", text, at))

        outage = running.outage

        def db_lost(event: Event) -> None:
            outage.lost(event.data.get("error", ""), event.data.get("journal", ""))

        def db_back(event: Event) -> None:
            data = event.data
            outage.recovered(data.get("seconds", 0.0), data.get("replayed", 0), data.get("dropped", 0))
            running.spawn(running.writes.flush())  # the alerts raised or cleared meanwhile

        def journal_full(event: Event) -> None:
            data = event.data
            outage.journal_filled(data.get("journal", ""), data.get("size_bytes", 0), data.get("error", ""))

        return [
            (DatabaseLost, db_lost),  # this node's writer: each node tells its own outage
            (DatabaseRecovered, db_back),
            (JournalFilled, journal_full),
            (ModeSwitched, switched, True),  # switched on any node's console
            (TrunkFailed, trunk_down),
            (TrunkRecovered, trunk_up),
            (CallRecordingFailed, recording_failed),
        ]

    async def stop(self, ctx: Context) -> None:
        running = ctx.find(_RUNNING)
        if running is None:
            return
        ctx.withdraw(_RUNNING)
        ctx.withdraw(MODES)
        ctx.withdraw(DIVERTER)
        if running.unregister is not None:
            running.unregister()
        center = ctx.find(CENTER)
        if center is not None and center.diversions.remote_duty == running.board.remote_duty:
            center.diversions.remote_duty = None
        for task in list(running.tasks):
            task.cancel()
        await asyncio.gather(*running.tasks, return_exceptions=True)
        await running.outage.close()


PLUGIN = ContingencyPlugin(
    "contingency", routers=("hotline.web.routers.contingency",), jobs=tuple(JOBS), after=("calls",)
)
