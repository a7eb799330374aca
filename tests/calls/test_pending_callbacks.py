"""Pending callbacks survive a restart: kept in `pending_callbacks`, their CDRs left open by
recovery, put back in line at start in their places (ahead of later callers), and removed once
answered. On SQLite and PostgreSQL, with the engine double (restarts need no SIP)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hotline.acd.states import AgentState
from hotline.calls.center import CallCenter
from hotline.calls.models import Call, PendingCallback
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import run_center, seed, until

NUMBERS = [f"1380000004{i}" for i in range(4)]


def _rows(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(PendingCallback.call_uuid).order_by(PendingCallback.enqueued_at)))


def _calls(db: Database) -> dict[str, Call]:
    with db.session() as s:
        return {c.caller_number or "": c for c in s.scalars(select(Call))}


def test_pending_callbacks_survive_a_restart_in_their_places(db: Database, tmp_path: Path) -> None:
    ids = seed(db)
    before: list[str] = []

    async def first_run(center: CallCenter, engine: FakeEngine) -> None:
        for number in NUMBERS:
            caller = await engine.incoming(number, "11")  # menu 1, then 1 = call me back
            await until(lambda caller=caller: caller.cause == "callback_requested")  # type: ignore[misc]
        before.extend(c.call_id for c in center.acd.waiting("elderly"))
        await until(lambda: len(_rows(db)) == 4)

    run_center(db, tmp_path, first_run)  # ends with a clean stop
    assert {c.state for c in _calls(db).values()} == {"active"}  # owed a callback: not ended

    async def second_run(center: CallCenter, engine: FakeEngine) -> None:
        assert [c.call_id for c in center.acd.waiting("elderly")] == before
        assert all(c.callback for c in center.acd.waiting("elderly"))
        later = await engine.incoming("13800000049", "1")
        await until(lambda: later.call.id in center.acd.calls)
        view = center.views.queue_view("elderly")
        assert [v["caller"] for v in view] == [*NUMBERS, "13800000049"]
        # The first callback is placed and answered: it leaves the table.
        engine.phones.update({"1001": ("answer", 0.01), NUMBERS[0]: ("answer", 0.01)})
        center.control.login(ids["a1"])
        await until(lambda: center.acd.agents[ids["a1"]].state is AgentState.talking)
        center.control.not_ready(ids["a1"], "break")  # after this call: the others stay owed
        await until(lambda: len(_rows(db)) == 3)
        await later.hangup("remote_hangup")

    run_center(db, tmp_path, second_run)
    calls = _calls(db)
    assert calls[NUMBERS[0]].answered_at is not None and calls[NUMBERS[0]].agent_id == ids["a1"]
    assert {calls[n].state for n in NUMBERS[1:]} == {"active"}  # still owed, none system_failure
    assert _rows(db) == before[1:]


def test_force_hangup_withdraws_a_callback_still_owed(db: Database, tmp_path: Path) -> None:
    """Nobody is on the line of a pending callback: a supervisor's hang-up still ends it."""
    seed(db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        caller = await engine.incoming(NUMBERS[0], "11")
        await until(lambda: caller.cause == "callback_requested")
        await until(lambda: len(_rows(db)) == 1)
        await center.control.force_hangup(caller.call.id)
        assert center.acd.waiting("elderly") == [] and caller.call.id not in center.live
        await until(lambda: not _rows(db) and _calls(db)[NUMBERS[0]].state == "ended")

    run_center(db, tmp_path, body)
    assert _calls(db)[NUMBERS[0]].outcome == "force_hangup"
