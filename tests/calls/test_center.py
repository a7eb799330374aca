"""The call center's routing logic on the in-memory engine double: IVR -> queue -> agent phone,
ring-no-answer, ring-all, transfer, hold, supervision, abandon; CDR, queue log and KPIs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.acd.states import AgentState
from hotline.calls.center import CallCenter
from hotline.calls.models import Call, CallLeg, QueueEventRow
from hotline.errors import Conflict
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import run_center, seed, until


def _log(db: Database) -> list[tuple[str, str, int | None]]:
    with db.session() as s:
        return [
            (e.queue, e.kind, e.agent_id) for e in s.scalars(select(QueueEventRow).order_by(QueueEventRow.id))
        ]


def _calls(db: Database) -> list[Call]:
    with db.session() as s:
        return list(s.scalars(select(Call).order_by(Call.id)))


def test_inbound_to_agent_and_back(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)
    a1 = ids["a1"]
    pops: list[dict[str, Any]] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.bus.subscribe("agent.screen_popped", lambda e: pops.append(e.data))
        engine.phones["1001"] = ("answer", 0.05)
        center.control.login(a1)
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        assert caller.call.bridges and caller.call.recorded is not None
        assert center.views.queue_view("elderly") == []
        await caller.hangup("remote_hangup")
        await until(lambda: bool(_calls(sqlite_db)) and _calls(sqlite_db)[0].state == "ended")
        assert center.acd.agents[a1].state is AgentState.ready  # wrap-up 0 s
        kpi = center.views.kpis()
        assert (kpi["elderly"]["offered"], kpi["elderly"]["answered"], kpi["*"]["agents"]) == (
            1,
            1,
            {"ready": 1},
        )

    run_center(sqlite_db, tmp_path, body)
    [call] = _calls(sqlite_db)
    assert (call.queue, call.agent_id, call.outcome) == ("elderly", a1, "answered")
    assert _log(sqlite_db) == [
        ("elderly", "enter", None),
        ("elderly", "connect", a1),
        ("elderly", "complete", a1),
    ]
    with sqlite_db.session() as s:
        legs = list(s.scalars(select(CallLeg).where(CallLeg.call_id == call.id)))
    assert [(leg.role, leg.end_cause) for leg in legs] == [
        ("caller", "remote_hangup"),
        ("agent", "peer_hangup"),
    ]
    assert pops and pops[0]["agent_id"] == a1 and pops[0]["ivr_path"][:2] == ["care_check", "hours"]


def test_no_answer_goes_to_next_agent_then_auto_not_ready(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db, max_no_answer=1, ring_timeout_seconds=0.5)
    a1, a2 = ids["a1"], ids["a2"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("ignore", 0)
        engine.phones["1002"] = ("answer", 0.05)
        center.control.login(a1)
        caller = await engine.incoming("13800000002", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.ringing)
        center.control.login(a2)  # a1 was idle longer: rang first, misses, then a2 takes it
        await until(lambda: center.acd.agents[a2].state is AgentState.talking, timeout=5)
        assert center.acd.agents[a1].state is AgentState.not_ready
        assert center.acd.agents[a1].reason == "no_answer"
        ringing_leg = next(leg for leg in engine.originated if leg.dialed == "1001")
        assert ringing_leg.cause in ("cancelled", "no_answer")
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)
    kinds = [k for _, k, _ in _log(sqlite_db)]
    assert kinds[:3] == ["enter", "ring_no_answer", "connect"]


def test_rejecting_phone_and_unregistered_phone_count_as_no_answer(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db, max_no_answer=3, ring_timeout_seconds=0.5)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("reject", 0.01)  # 1002 is not registered at all
        center.control.login(ids["a1"])
        center.control.login(ids["a2"])
        caller = await engine.incoming("13800000003", "1")
        await until(lambda: sum(1 for _, k, _ in _log(sqlite_db) if k == "ring_no_answer") >= 2)
        assert center.acd.calls  # still waiting, never lost
        await caller.hangup()
        await until(lambda: not center.acd.calls)

    run_center(sqlite_db, tmp_path, body)
    assert [k for _, k, _ in _log(sqlite_db)][-1] == "abandon"


def test_ring_all_first_answer_wins(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db, strategy="ring_all")

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("answer", 0.3)
        engine.phones["1002"] = ("answer", 0.05)
        center.control.login(ids["a1"])
        center.control.login(ids["a2"])
        caller = await engine.incoming("13800000004", "1")
        await until(lambda: center.acd.agents[ids["a2"]].state is AgentState.talking)
        await until(
            lambda: next(leg for leg in engine.originated if leg.dialed == "1001").cause == "cancelled"
        )
        assert center.acd.agents[ids["a1"]].state is AgentState.ready
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)


def test_a_stalled_process_still_connects_the_ring_all_call(sqlite_db: Database, tmp_path: Path) -> None:
    """The event loop stalls for over twice the ring timeout while both phones ring (a busy box):
    the late ring timers cost one miss each and the call rings again, instead of a catch-up that
    timed out the new rings at once and put both agents in 示忙 with the caller left waiting.
    The ring timeout is 2 s, so that the second ring is not cut short by the box's own stalls."""
    ids = seed(sqlite_db, strategy="ring_all", ring_timeout_seconds=2)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("answer", 0.3)
        engine.phones["1002"] = ("answer", 0.05)
        center.control.login(ids["a1"])
        center.control.login(ids["a2"])
        caller = await engine.incoming("13800000004", "1")
        await until(lambda: center.acd.agents[ids["a1"]].state is AgentState.ringing)
        time.sleep(4.5)  # blocks the loop: every timer and phone comes due at once
        await until(lambda: center.acd.agents[ids["a2"]].state is AgentState.talking)
        assert center.acd.agents[ids["a1"]].state is AgentState.ready
        assert center.acd.agents[ids["a1"]].misses <= 1  # the catch-up made it 2: 示忙
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)


def test_hold_transfer_to_queue_and_supervise(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)
    a1, a2 = ids["a1"], ids["a2"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones.update({"1001": ("answer", 0.01), "1002": ("answer", 0.01), "2001": ("answer", 0.01)})
        center.control.login(a1)
        caller = await engine.incoming("13800000005", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        await center.control.hold(a1, True)
        assert caller.held and center.acd.agents[a1].state is AgentState.hold
        await center.control.hold(a1, False)
        result = await center.control.supervise(ids["supervisor"], a1, "whisper")
        assert result["mode"] == "whisper"
        assert caller.call.joined[-1][1:] == ("supervisor", "whisper")
        center.control.login(a2)
        center.control.not_ready(a2, "break")
        center.control.not_ready(a1, "notes")  # applied once this call is over
        await center.control.transfer(a1, "queue", "general")
        assert center.acd.agents[a1].state is AgentState.not_ready and caller.is_active
        center.control.ready(a2)
        await until(lambda: center.acd.agents[a2].state is AgentState.talking)
        await center.control.force_hangup(caller.call.id)

    run_center(sqlite_db, tmp_path, body)
    log = _log(sqlite_db)
    assert ("general", "transfer", None) in log and log[-1][1] == "complete"
    assert _calls(sqlite_db)[0].outcome == "force_hangup"


def test_abandon_in_queue_counts_short_and_long(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        caller = await engine.incoming("13800000006", "1")
        await until(lambda: bool(center.acd.calls))
        await caller.hangup()
        await until(lambda: not center.acd.calls)
        k = center.views.kpis()["elderly"]
        assert (k["offered"], k["short_abandoned"], k["abandoned"], k["answer_rate"]) == (1, 1, 0, None)

    run_center(sqlite_db, tmp_path, body)
    assert _calls(sqlite_db)[0].outcome == "abandoned"


def test_waiting_caller_presses_1_for_a_callback_and_keeps_the_place(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db)
    positions: list[int] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.bus.subscribe("queue.position_announced", lambda e: positions.append(e.data["position"]))
        first = await engine.incoming("13800000008", "1")
        await until(lambda: len(center.acd.calls) == 1)
        second = await engine.incoming("13800000009", "11")  # menu 1, then 1 = call me back
        await until(lambda: not second.is_active)
        assert second.cause == "callback_requested"
        view = center.views.queue_view("elderly")
        assert [(v["caller"], v["callback"]) for v in view] == [("13800000008", False), ("13800000009", True)]
        engine.phones.update({"1001": ("answer", 0.01), "13800000009": ("answer", 0.01)})
        center.control.login(ids["a1"])
        a1 = center.acd.agents[ids["a1"]]
        await until(lambda: a1.call_id == first.call.id and a1.state is AgentState.talking)
        await first.hangup()
        # After the first caller, the agent rings for the callback, then the callee is dialled.
        await until(lambda: any(leg.dialed == "13800000009" for leg in engine.originated))
        await until(lambda: center.acd.agents[ids["a1"]].state is AgentState.talking)
        # Answered when the callee picks up (not when the agent took the callback).
        await until(lambda: any(c.outcome == "callback_answered" for c in center.live.values()))

    run_center(sqlite_db, tmp_path, body)
    assert positions and positions[0] == 1
    kinds = [k for _, k, _ in _log(sqlite_db)]
    assert kinds.count("callback") == 1 and kinds.count("connect") == 2


def test_agent_transfers_the_caller_back_to_an_ivr_node(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("answer", 0.01)
        center.control.login(ids["a1"])
        caller = await engine.incoming("13800000010", "1")
        await until(lambda: center.acd.agents[ids["a1"]].state is AgentState.talking)
        center.control.not_ready(ids["a1"], "notes")
        caller.digits = ["0"]  # in the main menu again: 0 = a person (general queue)
        await center.control.transfer(ids["a1"], "ivr", "main_menu")
        await until(lambda: center.views.queue_view("general") != [])
        assert caller.is_active and center.live[caller.call.id].ivr_path[-1]["node"] == "q_general"
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)
    assert [(q, k) for q, k, _ in _log(sqlite_db)][-3:] == [
        ("elderly", "complete"),
        ("general", "enter"),
        ("general", "abandon"),
    ]


def test_queue_timeout_to_voicemail(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db, timeout_seconds=0.2, overflow_kind="voicemail")
    topics: list[str] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.bus.subscribe("voicemail.*", lambda e: topics.append(e.topic))
        caller = await engine.incoming("13800000011", "1")
        await until(lambda: "voicemail.started" in topics)
        assert caller.call.recorded is not None and caller.call.recorded.parent.name == "voicemail"
        await caller.hangup()  # the caller finished the message
        await until(lambda: "voicemail.recorded" in topics)

    run_center(sqlite_db, tmp_path, body)
    assert [k for _, k, _ in _log(sqlite_db)] == ["enter", "timeout"]
    assert _calls(sqlite_db)[0].outcome == "voicemail"


def test_kpis_survive_a_restart(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)

    async def first(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("answer", 0.01)
        center.control.login(ids["a1"])
        caller = await engine.incoming("13800000012", "1")
        await until(lambda: center.acd.agents[ids["a1"]].state is AgentState.talking)
        await caller.hangup()
        await until(lambda: center.views.kpis()["elderly"]["answered"] == 1)

    async def second(center: CallCenter, engine: FakeEngine) -> None:
        k = center.views.kpis()["elderly"]
        assert (k["offered"], k["answered"], k["waiting"], k["answer_rate"]) == (1, 1, 0, 1.0)

    run_center(sqlite_db, tmp_path, first)
    run_center(sqlite_db, tmp_path, second)


def test_blind_transfer_to_a_colleague_reserves_them(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)
    a1, a2 = ids["a1"], ids["a2"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones.update({"1001": ("answer", 0.01), "1002": ("answer", 0.05)})
        center.control.login(a1)
        center.control.login(a2)
        center.control.not_ready(a2, "desk")
        caller = await engine.incoming("13800000013", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        await center.control.transfer(a1, "agent", "1002")
        assert center.acd.agents[a2].state is AgentState.ringing  # reserved: no queue call meanwhile
        await until(lambda: center.acd.agents[a2].state is AgentState.talking)
        assert center.live[caller.call.id].agent_id == a2
        await caller.hangup()
        await until(lambda: center.acd.agents[a2].state is AgentState.ready)

    run_center(sqlite_db, tmp_path, body)


def test_console_answer_calls_the_phone_again_with_auto_answer(sqlite_db: Database, tmp_path: Path) -> None:
    ids = seed(sqlite_db)
    a1 = ids["a1"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("auto_answer_only", 0.01)  # rings until asked to pick up by itself
        center.control.login(a1)
        try:
            await center.control.answer(a1)
        except Exception as exc:  # nothing rings yet: a clear conflict, not a crash
            assert getattr(exc, "status", None) == 409
        else:
            raise AssertionError("answer without a ringing call must be refused")
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.ringing and len(engine.originated) == 1)
        ringing = engine.originated[0]
        assert "Call-Info" not in ringing.headers  # the first INVITE only rings the phone

        view = await center.control.answer(a1)
        assert view["state"] in ("ringing", "talking")
        await center.control.answer(a1)  # pressed twice: the phone is not called a third time
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        assert not ringing.is_active and ringing.cause == "cancelled"  # the ringing INVITE is withdrawn
        assert len(engine.originated) == 2
        auto = engine.originated[1]
        assert auto.headers["Call-Info"].endswith(";answer-after=0")
        assert auto.headers["Answer-Mode"] == "Auto" and "alert-autoanswer" in auto.headers["Alert-Info"]
        assert caller.call.bridges and auto.call is caller.call
        await caller.hangup("remote_hangup")
        await until(lambda: bool(_calls(sqlite_db)) and _calls(sqlite_db)[0].state == "ended")

    run_center(sqlite_db, tmp_path, body)
    [call] = _calls(sqlite_db)
    assert (call.agent_id, call.outcome) == (a1, "answered")
    assert _log(sqlite_db) == [
        ("elderly", "enter", None),
        ("elderly", "connect", a1),
        ("elderly", "complete", a1),
    ]


def test_declining_before_the_invite_is_out_cancels_the_offer_and_the_invite(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """The console shows the offer as soon as the ACD makes it, before the INVITE to the agent's
    phone is out: a decline in that window is a decline (no 409), the next agent gets the call,
    and the INVITE is cancelled as soon as it is sent."""
    ids = seed(sqlite_db, max_no_answer=3, ring_timeout_seconds=30)
    a1, a2 = ids["a1"], ids["a2"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("ignore", 0)
        engine.phones["1002"] = ("answer", 0.05)
        engine.invite_gate = asyncio.Event()
        center.control.login(a1)
        caller = await engine.incoming("13800000002", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.ringing)
        assert not engine.originated  # held at the gate: the phone does not ring yet
        with pytest.raises(Conflict):
            await center.control.answer(a1)  # nothing rings to be picked up yet
        center.control.login(a2)
        result = await center.control.hangup(a1)
        assert result["declined"] is True and center.acd.agents[a1].state is AgentState.ready
        engine.invite_gate.set()
        await until(lambda: center.acd.agents[a2].state is AgentState.talking, timeout=3)
        [to_a1] = [leg for leg in engine.originated if leg.dialed == "1001"]
        assert to_a1.cause == "declined" and not to_a1.is_active
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)
    kinds = [k for _, k, _ in _log(sqlite_db)]
    assert kinds[:3] == ["enter", "ring_no_answer", "connect"]


def test_a_declined_offer_made_again_to_the_same_agent_rings_their_phone_once(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """The only agent declines before the INVITE is out and the ACD offers the call to them again
    at once: the first INVITE is cancelled as declined, the second rings, and only it."""
    ids = seed(sqlite_db, max_no_answer=3, ring_timeout_seconds=30)
    a1 = ids["a1"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("ignore", 0)
        engine.invite_gate = asyncio.Event()
        center.control.login(a1)
        caller = await engine.incoming("13800000002", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.ringing)
        await center.control.hangup(a1)
        assert center.acd.agents[a1].state is AgentState.ringing  # offered again straight away
        engine.invite_gate.set()
        await until(lambda: len(engine.originated) == 2)
        await asyncio.sleep(0.05)
        first, second = engine.originated
        assert first.cause == "declined" and not first.is_active
        assert second.is_active
        live = next(iter(center.live.values()))
        assert live.ringing[a1].legs == [second]
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)


def test_agent_hanging_up_ends_a_listened_call_but_not_a_barged_one(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db)
    a1, sup = ids["a1"], ids["supervisor"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones.update({"1001": ("answer", 0.01), "2001": ("answer", 0.01)})
        center.control.login(a1)
        # Listening only: the supervisor leaves with the agent and the caller's call ends.
        caller = await engine.incoming("13800000005", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        await center.control.supervise(sup, a1, "listen")
        live = next(iter(center.live.values()))
        sup_leg = live.supervisors[sup]
        await center.control.hangup(a1)
        await until(lambda: not caller.is_active and not sup_leg.is_active)
        assert caller.cause == "peer_hangup" and sup_leg.cause == "agent_hangup"
        await until(lambda: center.acd.agents[a1].state is AgentState.ready)

        # Barged in: the supervisor has taken the call over and keeps talking with the caller.
        caller2 = await engine.incoming("13800000006", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        await center.control.supervise(sup, a1, "listen")
        await center.control.supervise(sup, a1, "barge")
        live2 = next(c for c in center.live.values() if c.caller_number == "13800000006")
        await center.control.hangup(a1)
        await asyncio.sleep(0.2)
        assert caller2.is_active and live2.supervisors[sup].is_active
        # ...and when that supervisor hangs up, the caller is not left on a silent line.
        await live2.supervisors[sup].hangup("remote_hangup")
        await until(lambda: not caller2.is_active)
        assert caller2.cause == "peer_hangup"

    run_center(sqlite_db, tmp_path, body)


def test_agent_declines_a_ringing_call_and_the_next_agent_gets_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db, max_no_answer=3, ring_timeout_seconds=30)
    a1, a2 = ids["a1"], ids["a2"]

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones["1001"] = ("ignore", 0)
        engine.phones["1002"] = ("answer", 0.05)
        center.control.login(a1)
        caller = await engine.incoming("13800000002", "1")
        # Ringing in the ACD and its INVITE sent (the console can only decline a phone that rings).
        await until(lambda: any(a1 in c.ringing for c in center.live.values()))
        center.control.login(a2)
        result = await center.control.hangup(a1)  # declined from the console, long before the ring timeout
        assert result["declined"] is True
        await until(lambda: center.acd.agents[a2].state is AgentState.talking, timeout=3)
        ringing_leg = next(leg for leg in engine.originated if leg.dialed == "1001")
        assert ringing_leg.cause == "declined" and center.acd.agents[a1].state is AgentState.ready
        await caller.hangup()

    run_center(sqlite_db, tmp_path, body)
    kinds = [k for _, k, _ in _log(sqlite_db)]
    assert kinds[:3] == ["enter", "ring_no_answer", "connect"]
