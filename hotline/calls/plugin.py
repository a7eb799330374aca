"""The calls plug-in: the call center on the telephony engine, its HTTP API and its jobs.

When the telephony plug-in runs an engine, `start` builds the `CallCenter` on it (IVR, ACD,
recording, CDRs; `calls/center.py`) with the telephony's database pool, and provides it to later
plug-ins and to the web layer as `CENTER`; its call hooks as `hotline.plugins.CALL_HOOKS`, where
the host registers every plug-in's `call_hooks`.
"""

from __future__ import annotations

from hotline.calls.center import CallCenter, start_callcenter
from hotline.calls.diversion import Diverter
from hotline.calls.facts import OpenWorkOrders
from hotline.calls.jobs import JOBS
from hotline.plugins import CALL_HOOKS, Context, Plugin, Service
from hotline.telephony.plugin import ENGINE, TELEPHONY_DB

CENTER: Service[CallCenter] = Service("calls.center")
# How many open work orders a caller has (IVR branches, screen pops, the IVR simulator): provided
# by the work-orders plug-in, which also sets it on the running center.
OPEN_WORK_ORDERS: Service[OpenWorkOrders] = Service("calls.open_work_orders")
# The emergency modes' diverter, asked by the IVR simulator too (so it shows a call's path with a
# mode on): provided by the contingency plug-in, registered on the running center by it.
DIVERTER: Service[Diverter] = Service("calls.diverter")
# The center this plug-in started (a test may provide its own CENTER, which is not ours to stop).
_STARTED: Service[CallCenter] = Service("calls.started")


class CallsPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        engine, db = ctx.find(ENGINE), ctx.find(TELEPHONY_DB)
        if engine is None or db is None:
            return  # no telephony in this process: call control answers 409
        settings = ctx.settings
        journal = {
            "journal_dir": settings.data_dir / "journal",
            "journal_bytes": settings.call_journal_mb << 20,
        }
        center = await start_callcenter(engine, db, ctx.bus, **journal)
        ctx.provide(_STARTED, center)
        ctx.provide(CENTER, center)
        ctx.provide(CALL_HOOKS, center.hooks)  # the host registers every plug-in's call hooks here

    async def stop(self, ctx: Context) -> None:
        center = ctx.find(_STARTED)
        if center is None:
            return
        ctx.withdraw(_STARTED)
        ctx.withdraw(CENTER, center)
        ctx.withdraw(CALL_HOOKS, center.hooks)
        await center.stop()


PLUGIN = CallsPlugin(
    "calls",
    routers=("hotline.web.routers.calls", "hotline.web.routers.call_records"),
    jobs=tuple(JOBS),
    after=("telephony",),
)
