"""The satisfaction plug-in: its HTTP API, its call hooks and what keeps the live KPIs true.

While a call center runs, the agent-number announcement (AGENT_CONNECTED) and the post-call
survey (AGENT_LEG_ENDED) join its calls (`incall.py`) on the telephony's database pool; each
answer stored is counted in the center's live KPIs, and at start today's answers are counted
again so a restart does not zero the wallboard's satisfaction rate. A work order made from a
call ("workorder.created" with the call's uuid) is remembered for the survey to come and put on
any answer already stored for that call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

from hotline.audit.service import SYSTEM
from hotline.bus import Event, Handler, Pattern
from hotline.calls.plugin import CENTER
from hotline.calls.records import local_midnight
from hotline.media.prompts import PromptLibrary
from hotline.plugins import AnyCallHook, Context, Plugin, Service
from hotline.satisfaction import queries, service
from hotline.satisfaction.incall import InCall
from hotline.store.db import Database
from hotline.telephony.plugin import ENGINE, TELEPHONY_DB
from hotline.workorders.topics import WorkOrderCreated

log = logging.getLogger(__name__)
REMEMBERED_CALLS = 10_000  # calls whose work order the survey may still need


class WorkOrdersOfCalls:
    """call uuid -> the work order made from it, for the most recent calls (bounded)."""

    def __init__(self, size: int = REMEMBERED_CALLS) -> None:
        self.size = size
        self._orders: OrderedDict[str, int] = OrderedDict()

    def add(self, call_uuid: str, order_id: int) -> None:
        self._orders.setdefault(call_uuid, order_id)
        while len(self._orders) > self.size:
            self._orders.popitem(last=False)

    def get(self, call_uuid: str) -> int | None:
        return self._orders.get(call_uuid)


ORDERS: Service[WorkOrdersOfCalls] = Service("satisfaction.work_orders_of_calls")


def _attach(db: Database, call_ids: list[str], order_id: int) -> int:
    with db.session() as s:
        return service.attach_work_order(s, SYSTEM, call_ids, order_id)


def _today_levels(db: Database, timezone: str) -> list[tuple[str | None, str, int]]:
    with db.session() as s:
        filters = queries.AnswerFilters(since=local_midnight(timezone))
        return queries.level_counts(s, filters, "queue")


class SatisfactionPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        ctx.provide(ORDERS, WorkOrdersOfCalls())
        center = ctx.find(CENTER)
        if center is not None:
            for queue, level, n in await ctx.db.run(_today_levels, ctx.db, center.timezone):
                for _ in range(n):
                    center.kpi.satisfaction(queue, level)

    async def stop(self, ctx: Context) -> None:
        ctx.withdraw(ORDERS)

    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        orders = ctx.get(ORDERS)

        async def on_work_order(event: Event) -> None:
            call_ids = [str(c) for c in event.data.get("call_ids") or []]
            order_id = int(event.data["id"])
            for call_id in call_ids:
                orders.add(call_id, order_id)
            if call_ids:
                try:
                    await asyncio.to_thread(_attach, ctx.db, call_ids, order_id)
                except Exception:
                    log.exception("work order %s could not be put on its calls' answers", order_id)

        return [(WorkOrderCreated, on_work_order)]

    def call_hooks(self, ctx: Context) -> Mapping[str, Sequence[AnyCallHook]]:
        center = ctx.find(CENTER)
        if center is None:
            return {}
        engine = ctx.find(ENGINE)
        prompts_dir = getattr(engine, "prompts_dir", None) or ctx.settings.prompts_dir
        incall = InCall(
            ctx.find(TELEPHONY_DB) or ctx.db,
            PromptLibrary(prompts_dir),
            on_answer=center.kpi.satisfaction,
            work_order_of=ctx.get(ORDERS).get,
        )
        return incall.hooks()


PLUGIN = SatisfactionPlugin(
    "satisfaction",
    routers=("hotline.web.routers.satisfaction",),
    after=("calls",),
)
