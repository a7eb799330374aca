"""The waiting room and what ends a wait, on the engine double: any place in line is announced, an
overflow hang-up says goodbye first, nobody logged in means no pointless wait, a callback that
cannot be placed fails clearly, and CDRs of callers who gave up say where and how long."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import select

from hotline.acd.states import AgentState
from hotline.calls.center import CallCenter
from hotline.calls.models import Call
from hotline.calls.waiting import position_prompts
from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.numbers import say
from hotline.ivr.service import flow_by_name, publish, save_draft
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import ACTOR, run_center, seed, until


def _calls(db: Database) -> list[Call]:
    with db.session() as s:
        return list(s.scalars(select(Call).order_by(Call.id)))


def _ended(db: Database, n: int = 1) -> bool:
    calls = _calls(db)
    return len(calls) >= n and all(c.state == "ended" for c in calls[:n])


def test_position_prompts_read_any_number() -> None:
    assert position_prompts(7) == ["position-7"]
    assert position_prompts(25) == ["position-ahead", "num-2", "num-10", "num-5", "position-callers"]
    assert say(105) == "一百零五" and say(12) == "十二" and say(20010) == "二万零一十"


def test_the_25th_caller_hears_their_place(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        callers = []
        for n in range(25):
            callers.append(await engine.incoming(f"138000010{n:02d}", "1"))
            await until(lambda n=n: len(center.acd.calls) == n + 1)  # type: ignore[misc]
        last = callers[-1]
        words = ["position-ahead", "num-2", "num-10", "num-5", "position-callers"]
        await until(lambda: "position-callers" in last.played)
        start = last.played.index("position-ahead")
        assert last.played[start : start + 5] == words

    run_center(sqlite_db, tmp_path, body)


def test_overflow_hangup_says_goodbye_first(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db, timeout_seconds=0.3, overflow_kind="hangup")

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.control.login(ids["a1"])
        center.control.not_ready(ids["a1"], "break")  # staffed, nobody free: the caller times out
        caller = await engine.incoming("13800000021", "1")
        await until(lambda: not caller.is_active)
        assert caller.cause == "queue_timeout"
        assert caller.played[-1] == "queue-timeout-goodbye"

    run_center(sqlite_db, tmp_path, body)
    assert _calls(sqlite_db)[0].outcome == "timeout"


def test_nobody_logged_in_applies_the_overflow_at_once(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db, timeout_seconds=60, overflow_kind="hangup")

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        caller = await engine.incoming("13800000022", "1")
        await until(lambda: not caller.is_active)  # not after 60 s
        assert (caller.cause, caller.played[-1]) == ("no_agent", "no-agent-goodbye")
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    [call] = _calls(sqlite_db)
    assert (call.outcome, call.queue, call.wait_seconds is not None) == ("no_agent", "elderly", True)


def test_callback_with_no_route_fails_clearly(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("answer", 0.01)  # the agent would answer; 13800000023 has no route
        caller = await engine.incoming("13800000023", "11")  # menu 1, then 1 = call me back
        await until(lambda: caller.cause == "callback_requested")
        center.control.login(ids["a1"])
        await until(lambda: _ended(sqlite_db))
        assert center.acd.agents[ids["a1"]].state is AgentState.ready
        assert not [leg for leg in engine.originated if leg.dialed == "1001"]  # never rung for it
        kpi = center.views.kpis()["elderly"]
        assert (kpi["answered"], kpi["answer_rate"], kpi["asa"]) == (0, 0.0, None)

    run_center(sqlite_db, tmp_path, body)
    [call] = _calls(sqlite_db)
    assert (call.outcome, call.end_cause, call.answered_at) == ("callback_failed", "no_route", None)


def test_cdrs_of_callers_who_gave_up(sqlite_db: Database, tmp_path: Path) -> None:
    """In the IVR: the path walked so far; in the queue: how long they waited."""
    seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        in_ivr = await engine.incoming("13800000024", "")
        await until(lambda: bool(center.live.get(in_ivr.call.id)) and center.live[in_ivr.call.id].ivr_path)
        await in_ivr.hangup("remote_hangup")
        queued = await engine.incoming("13800000025", "1")
        await until(lambda: queued.call.id in center.acd.calls)
        await queued.hangup("remote_hangup")
        await until(lambda: _ended(sqlite_db, 2))

    run_center(sqlite_db, tmp_path, body)
    ivr, queue = _calls(sqlite_db)
    assert ivr.outcome == "abandoned_ivr" and ivr.ivr_path["steps"][0]["node"] == "care_check"
    assert ivr.ivr_path["flow"] == "main"
    assert queue.outcome == "abandoned" and queue.wait_seconds is not None


def test_a_flow_that_hangs_up_is_not_an_abandon(sqlite_db: Database, tmp_path: Path) -> None:
    """A menu option that ends the flow with a hang-up node (e.g. after an information prompt)
    is recorded as the flow's own hang-up, not as a caller who gave up in the IVR."""
    seed(sqlite_db)
    flow = copy.deepcopy(DEMO_FLOW)
    flow["nodes"]["main_menu"]["options"]["8"] = "bye"
    flow["nodes"]["bye"] = {"type": "hangup"}
    with sqlite_db.session() as s:
        main = flow_by_name(s, "main")
        save_draft(s, ACTOR, main.id, flow)
        publish(s, ACTOR, main.id)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        caller = await engine.incoming("13800000026", "8")
        await until(lambda: caller.cause is not None)
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    [call] = _calls(sqlite_db)
    assert call.outcome == "ivr_hangup"
    assert [step["node"] for step in call.ivr_path["steps"]][-1] == "bye"


def test_after_an_unanswered_ring_the_caller_waits_again(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db, max_no_answer=1, ring_timeout_seconds=0.5)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.announce_seconds = 0.05
        engine.phones["1001"] = ("ignore", 0)
        center.control.login(ids["a1"])
        caller = await engine.incoming("13800000026", "1")
        live = center.live[caller.call.id]
        await until(lambda: live.state == "ringing")
        positions: list[int] = []
        center.bus.subscribe("queue.position_announced", lambda e: positions.append(e.data["position"]))
        await until(lambda: live.state == "queued" and bool(positions))  # announcements again
        assert center.acd.agents[ids["a1"]].state is AgentState.not_ready

    run_center(sqlite_db, tmp_path, body)
