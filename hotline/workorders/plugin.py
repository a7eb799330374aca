"""The work-orders plug-in: HTTP API, deadline and classifier jobs, and where orders meet calls.

While a call center runs, the IVR and screen pops count a caller's open orders with this
package's query, and a voicemail message left by a caller ("voicemail.recorded") becomes a draft
order for an agent to accept (`callcenter.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.bus import Handler, Pattern
from hotline.calls.facts import no_open_work_orders
from hotline.calls.plugin import CENTER, OPEN_WORK_ORDERS
from hotline.calls.topics import VoicemailRecorded
from hotline.plugins import Context, Plugin
from hotline.workorders import callcenter
from hotline.workorders.jobs import JOBS


class WorkOrdersPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        ctx.provide(OPEN_WORK_ORDERS, callcenter.count_open)
        center = ctx.find(CENTER)
        if center is not None:
            center.open_work_orders = callcenter.count_open

    async def stop(self, ctx: Context) -> None:
        ctx.withdraw(OPEN_WORK_ORDERS)
        center = ctx.find(CENTER)
        if center is not None:
            center.open_work_orders = no_open_work_orders

    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        return [(VoicemailRecorded, callcenter.voicemail_handler(ctx.db))]


PLUGIN = WorkOrdersPlugin(
    "workorders",
    routers=(
        "hotline.web.routers.workorder_config",
        "hotline.web.routers.workorder_desk",
        "hotline.web.routers.workorder_files",
        "hotline.web.routers.workorder_notify",
        "hotline.web.routers.workorders",
    ),
    jobs=tuple(JOBS),
    after=("calls",),
)
