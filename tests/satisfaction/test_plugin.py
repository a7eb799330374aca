"""The satisfaction plug-in in a process: at start today's answers are counted again in the running
center's live KPIs (a restart does not zero the wallboard), its call hooks are declared only where
a call center runs, and a work order made from a call ("workorder.created") reaches that call's
answer, or waits for the survey still to come."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from hotline.audit.service import SYSTEM
from hotline.bus import InProcessBus
from hotline.calls.hooks import CallHookPoint as P
from hotline.calls.kpi import KpiBook
from hotline.calls.plugin import CENTER
from hotline.plugins import Context
from hotline.satisfaction.plugin import ORDERS, PLUGIN
from hotline.satisfaction.service import RatedCall, answer_for_call, record_answer
from hotline.store.db import Database
from hotline.workorders.topics import WorkOrderCreated
from tests.conftest import make_settings
from tests.satisfaction.helpers import seed_queue


def test_start_replays_todays_answers_and_work_orders_reach_answers(db: Database, tmp_path: Path) -> None:
    agent = seed_queue(db)
    with db.session() as s:
        for i, key in enumerate(["1", "3", None]):
            record_answer(s, SYSTEM, RatedCall(f"call-{i}", "elderly", agent), 3, key)
    center = SimpleNamespace(kpi=KpiBook(), timezone="Asia/Shanghai")

    async def main() -> None:
        bus = InProcessBus()
        ctx = Context(make_settings(db, tmp_path), db, bus)
        assert PLUGIN.call_hooks(ctx) == {}  # no call center in this process: no hooks
        ctx.provide(CENTER, center)  # type: ignore[arg-type]
        await PLUGIN.start(ctx)
        snap = center.kpi.snapshot(0.0)["elderly"]
        assert (snap["surveyed"], snap["rated"], snap["satisfaction_rate"]) == (3, 2, 0.5)
        assert set(PLUGIN.call_hooks(ctx)) == {P.AGENT_CONNECTED, P.AGENT_LEG_ENDED, P.SURVEY_REQUESTED}
        undo = [bus.subscribe(pattern, handler) for pattern, handler in PLUGIN.subscriptions(ctx)]
        bus.publish(WorkOrderCreated(id=42, number="GD1", channel="phone", call_ids=["call-1", "call-9"]))
        orders = ctx.get(ORDERS)
        deadline = asyncio.get_running_loop().time() + 5
        while orders.get("call-9") is None or _order(db, "call-1") is None:
            assert asyncio.get_running_loop().time() < deadline, "the work order never reached the answer"
            await asyncio.sleep(0.01)
        assert orders.get("call-9") == 42  # the call's survey, when it comes, takes the order
        assert _order(db, "call-0") is None
        for u in undo:
            u()
        await PLUGIN.stop(ctx)

    asyncio.run(main())
    assert _order(db, "call-1") == 42


def _order(db: Database, call: str) -> int | None:
    with db.session() as s:
        row = answer_for_call(s, call)
        return row.work_order_id if row is not None else None
