"""Voicemail messages become draft orders (once per call); open orders are counted for the IVR."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.bus import InProcessBus
from hotline.calls import facts
from hotline.calls.center import CallCenter
from hotline.calls.plugin import CENTER, OPEN_WORK_ORDERS
from hotline.calls.topics import VoicemailRecorded
from hotline.config import Settings
from hotline.people.schemas import CallerIn
from hotline.people.service import create_caller
from hotline.plugins import Context, Host
from hotline.store.db import Database
from hotline.workorders.callcenter import count_open, voicemail_draft
from hotline.workorders.models import WorkOrder, WorkOrderLink
from hotline.workorders.plugin import PLUGIN


def test_voicemail_becomes_one_draft_and_counts_as_open(db: Database) -> None:
    with db.session() as s:
        caller_id = create_caller(s, Actor(None, "t"), CallerIn(name="李桂兰")).id
    data = {"call_id": "c-77", "caller": "13800007777", "caller_id": caller_id, "path": "/rec/c-77.wav"}
    first = voicemail_draft(db, data)
    assert voicemail_draft(db, data) == first  # a repeated event makes no second order
    with db.session() as s:
        order = s.get(WorkOrder, first)
        assert order is not None and order.state == "draft" and order.caller_id == caller_id
        links = {(link.kind, link.ref) for link in s.scalars(select(WorkOrderLink))}
        assert {("call", "c-77"), ("recording", "/rec/c-77.wav")} <= links
        assert count_open(s, caller_id) == 1


def test_the_plugin_wires_the_lookup_and_the_event(db: Database, tmp_path: Path) -> None:
    """The work-orders plug-in gives the running center (and the simulator) its open-order count
    and turns "voicemail.recorded" into a draft order."""
    bus = InProcessBus()
    ctx = Context(Settings(database_url=db.url, data_dir=tmp_path, jobs_enabled=False), db, bus)
    center = SimpleNamespace(open_work_orders=facts.no_open_work_orders)
    ctx.provide(CENTER, cast(CallCenter, center))
    host = Host(ctx, [PLUGIN])
    with db.session() as s:
        caller_id = create_caller(s, Actor(None, "t"), CallerIn(name="王建国")).id

    def count() -> int:
        with db.session() as s:
            return facts.open_work_orders(s, caller_id, center.open_work_orders)

    async def publish_and_wait() -> None:
        async with host.running_context():
            assert ctx.get(OPEN_WORK_ORDERS) is count_open
            assert await asyncio.to_thread(count) == 0
            bus.publish(
                VoicemailRecorded(
                    call_id="c-88", caller="13900008888", caller_id=caller_id, path="/rec/c-88.wav"
                )
            )
            for _ in range(100):
                await asyncio.sleep(0.05)
                if await asyncio.to_thread(count) == 1:
                    break
            else:
                raise AssertionError("no draft order from the voicemail event")
        assert center.open_work_orders is facts.no_open_work_orders  # unset at stop

    asyncio.run(publish_and_wait())
