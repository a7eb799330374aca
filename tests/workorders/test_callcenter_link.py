"""Voicemail messages become draft orders (once per call); open orders are counted for the IVR."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.bus import InProcessBus
from hotline.calls import facts
from hotline.people.schemas import CallerIn
from hotline.people.service import create_caller
from hotline.store.db import Database
from hotline.workorders.callcenter import count_open, install, voicemail_draft
from hotline.workorders.models import WorkOrder, WorkOrderLink


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


def test_install_wires_the_hook_and_the_event(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "_open_work_orders", facts._open_work_orders)  # restored afterwards
    bus = InProcessBus()
    install(db, bus)
    with db.session() as s:
        caller_id = create_caller(s, Actor(None, "t"), CallerIn(name="王建国")).id
        assert facts.open_work_orders(s, caller_id) == 0

    async def publish_and_wait() -> None:
        bus.publish(
            "voicemail.recorded", {"call_id": "c-88", "caller": "13900008888", "caller_id": caller_id}
        )
        for _ in range(100):
            await asyncio.sleep(0.05)
            with db.session() as s:
                if facts.open_work_orders(s, caller_id) == 1:
                    return
        raise AssertionError("no draft order from the voicemail event")

    asyncio.run(publish_and_wait())
