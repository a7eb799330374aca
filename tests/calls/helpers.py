"""Seeding and running helpers for call-center unit tests on the in-memory engine double."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hotline.acd.schemas import HoursIn, QueueIn, SkillIn
from hotline.acd.service import create_hours, create_queue, set_skills
from hotline.audit.service import Actor
from hotline.bus import InProcessBus
from hotline.calls.center import CallCenter, start_callcenter
from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.service import create_flow, publish
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user, user_by_username
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine

ACTOR = Actor(None, "test")


def seed(db: Database, strategy: str = "longest_idle", **elderly: Any) -> dict[str, int]:
    """Queues elderly + general (always open), the demo IVR, agents a1 (1001), a2 (1002) on both
    queues, and the seeded supervisor given extension 2001. Returns username -> user id.

    elderly rings an agent 5 s, well above the phones' answer delays, so that a stall of a busy
    box does not turn an answer into a miss; tests of ring-no-answer pass a short
    ring_timeout_seconds."""
    ids: dict[str, int] = {}
    with db.session() as s:
        hours = create_hours(s, ACTOR, HoursIn(name="hotline", schedule={"always_open": True}))
        create_queue(s, ACTOR, QueueIn(name="general", label="综合", wrap_up_seconds=0, hours_id=hours.id))
        opts = {"wrap_up_seconds": 0, "ring_timeout_seconds": 5, "strategy": strategy, **elderly}
        create_queue(s, ACTOR, QueueIn(name="elderly", label="养老", hours_id=hours.id, **opts))
        for name, ext, level in (("a1", "1001", 9), ("a2", "1002", 5)):
            user = create_user(
                s,
                ACTOR,
                UserIn(
                    username=name, display_name=name, password="password-x", role=Role.agent, extension=ext
                ),
            )
            set_skills(
                s, ACTOR, user.id, [SkillIn(queue="elderly", level=level), SkillIn(queue="general", level=1)]
            )
            ids[name] = user.id
        sup = user_by_username(s, "supervisor")
        assert sup is not None
        sup.extension = "2001"
        ids["supervisor"] = sup.id
        flow = create_flow(s, ACTOR, "main", DEMO_FLOW)
        publish(s, ACTOR, flow.id)
    return ids


async def until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not pred():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {pred}")
        await asyncio.sleep(0.01)


def run_center(
    db: Database, tmp: Path, body: Callable[[CallCenter, FakeEngine], Awaitable[None]]
) -> InProcessBus:
    bus = InProcessBus()

    async def main() -> None:
        engine = FakeEngine(bus, tmp)
        center = await start_callcenter(engine, db, bus, tick_seconds=0.01, recordings_dir=tmp)
        try:
            await body(center, engine)
        finally:
            await center.stop()

    asyncio.run(main())
    return bus
