"""Fixture: the call center running on the engine double, on its own loop thread (as under
`hotline serve`, where the web layer calls into it across loops)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hotline.acd.schemas import SkillIn
from hotline.acd.service import set_skills
from hotline.bus import InProcessBus
from hotline.calls.center import CallCenter, start_callcenter
from hotline.calls.plugin import CENTER
from hotline.people.service import user_by_username
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import ACTOR, seed

T = TypeVar("T")


class Running:
    def __init__(self, db: Database, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.engine = FakeEngine(InProcessBus(), tmp)
        self.center: CallCenter = self.run(
            start_callcenter(self.engine, db, self.engine.bus, tick_seconds=0.01, recordings_dir=tmp)
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        self.run(self.center.stop())
        self.run(_cancel_the_rest())  # a call still ringing: its tasks end here, not at GC
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def _cancel_the_rest() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
def running(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> Iterator[Running]:
    """Seeded queues and agents; the "agent" user (extension 1003, elderly) has a phone that rings
    and is never answered unless a test changes `running.engine.phones["1003"]`. A test that also
    uses the app gets this center in the app's services, as the calls plug-in would provide it."""
    seed(db, ring_timeout_seconds=30)  # the picked call keeps ringing during the test
    with db.session() as s:
        agent = user_by_username(s, "agent")
        assert agent is not None
        agent.extension = "1003"
        set_skills(s, ACTOR, agent.id, [SkillIn(queue="elderly", level=8)])
    r = Running(db, tmp_path)
    r.engine.phones["1003"] = ("ignore", 0)
    services = request.getfixturevalue("app").state.services if "app" in request.fixturenames else None
    if services is not None:
        services.provide(CENTER, r.center)
    yield r
    if services is not None:
        services.withdraw(CENTER, r.center)
    r.stop()
