"""Call hooks (`hotline.calls.hooks`) on the in-memory engine double: each point runs with the
caller's leg and what is known of the call at that moment, a hook may play to and collect from the
caller, a failing hook never breaks the call, and with an "agent leg ended" hook the caller stays
on the line after the agent hangs up until the hook is done."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.acd.states import AgentState
from hotline.calls.center import CallCenter
from hotline.calls.hooks import CallHookContext, CallHookPoint, CallHooks
from hotline.calls.models import Call
from hotline.people.schemas import CallerIn, PhoneIn
from hotline.people.service import create_caller
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine, FakeLeg
from tests.calls.helpers import ACTOR, run_center, seed, until

P = CallHookPoint


def _calls(db: Database) -> list[Call]:
    with db.session() as s:
        return list(s.scalars(select(Call).order_by(Call.id)))


def _ended(db: Database) -> bool:
    calls = _calls(db)
    return bool(calls) and calls[0].state == "ended"


def test_hooks_run_in_registration_order_and_a_failing_one_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks, ran = CallHooks(), []
    ctx = CallHookContext("c1", FakeLeg.__new__(FakeLeg), "138", None, None, None)

    async def first(c: CallHookContext) -> None:
        ran.append("first")

    async def broken(c: CallHookContext) -> None:
        raise RuntimeError("boom")

    async def last(c: CallHookContext) -> None:
        ran.append("last")

    hooks.register(P.CALL_ENDED, first)
    hooks.register(P.CALL_ENDED, broken)
    unregister = hooks.register(P.CALL_ENDED, last)
    assert hooks.registered(P.CALL_ENDED) and not hooks.registered(P.AGENT_CONNECTED)
    with caplog.at_level(logging.ERROR, logger="hotline.calls.hooks"):
        asyncio.run(hooks.run(P.CALL_ENDED, ctx))
    assert ran == ["first", "last"]
    assert "boom" in caplog.text and "broken" in caplog.text and "c1" in caplog.text
    unregister()
    unregister()  # twice is harmless
    asyncio.run(hooks.run(P.CALL_ENDED, ctx))
    assert ran == ["first", "last", "first"]


def test_caller_identified_runs_after_the_lookup_before_the_ivr(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)
    with sqlite_db.session() as s:
        caller_id = create_caller(
            s, ACTOR, CallerIn(name="王大爷", phones=[PhoneIn(number="13800000007")])
        ).id
    seen: list[CallHookContext] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def greet(ctx: CallHookContext) -> None:
            seen.append(ctx)
            await ctx.caller_leg.play("welcome-back")

        center.hooks.register(P.CALLER_IDENTIFIED, greet)
        caller = await engine.incoming("13800000007", "1")
        await until(lambda: len(caller.played) > 1)
        assert caller.played[0] == "welcome-back"  # before the IVR's first prompt
        await caller.hangup()
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    [ctx] = seen
    assert (ctx.caller_number, ctx.caller_id, ctx.agent_id, ctx.flow) == (
        "13800000007",
        caller_id,
        None,
        "main",
    )
    assert ctx.call_id == _calls(sqlite_db)[0].uuid


def test_agent_connected_runs_once_bridged_and_a_failing_hook_does_not_break_the_call(
    sqlite_db: Database, tmp_path: Path
) -> None:
    a1 = seed(sqlite_db)["a1"]
    seen: list[tuple[CallHookContext, bool]] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def broken(ctx: CallHookContext) -> None:
            raise RuntimeError("a plug-in's bug")

        async def announce(ctx: CallHookContext) -> None:
            seen.append((ctx, bool(ctx.caller_leg.call.peers)))
            await ctx.caller_leg.play(f"agent-number-{ctx.agent_extension}")

        center.hooks.register(P.AGENT_CONNECTED, broken)
        center.hooks.register(P.AGENT_CONNECTED, announce)
        engine.phones["1001"] = ("answer", 0.02)
        center.control.login(a1)
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: bool(seen))
        assert "agent-number-1001" in caller.played
        assert center.acd.agents[a1].state is AgentState.talking and caller.is_active
        await caller.hangup("remote_hangup")
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    [(ctx, bridged)] = seen
    assert bridged and (ctx.agent_id, ctx.queue, ctx.agent_extension) == (a1, "elderly", "1001")
    assert ctx.agent_leg is not None and ctx.agent_leg.dialed == "1001"
    assert _calls(sqlite_db)[0].outcome == "answered"


def test_agent_leg_ended_keeps_the_caller_for_the_hook_then_hangs_up(
    sqlite_db: Database, tmp_path: Path
) -> None:
    a1 = seed(sqlite_db)["a1"]
    answers: list[tuple[str, bool, int | None]] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def survey(ctx: CallHookContext) -> None:
            leg = ctx.caller_leg
            await leg.play("survey-question")
            answers.append((await leg.collect_digits(1, 1.0), leg.is_active, ctx.agent_id))

        center.hooks.register(P.AGENT_LEG_ENDED, survey)
        engine.phones["1001"] = ("answer", 0.02)
        center.control.login(a1)
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        live = next(iter(center.live.values()))
        caller.digits = ["5"]
        assert live.agent_leg is not None
        await live.agent_leg.hangup("remote_hangup")  # the agent hangs up first
        await until(lambda: bool(answers))
        await until(lambda: not caller.is_active)
        assert caller.cause == "peer_hangup" and caller.played[-1] == "survey-question"
        await until(lambda: _ended(sqlite_db))
        assert center.acd.agents[a1].state is AgentState.ready  # wrap-up 0 s: free during the survey

    run_center(sqlite_db, tmp_path, body)
    assert answers == [("5", True, a1)]
    assert _calls(sqlite_db)[0].outcome == "answered"


def test_agent_leg_ended_is_not_run_when_the_caller_hangs_up_first(
    sqlite_db: Database, tmp_path: Path
) -> None:
    a1 = seed(sqlite_db)["a1"]
    ran: list[str] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def survey(ctx: CallHookContext) -> None:
            ran.append(ctx.call_id)

        center.hooks.register(P.AGENT_LEG_ENDED, survey)
        engine.phones["1001"] = ("answer", 0.02)
        center.control.login(a1)
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        agent_leg = next(iter(center.live.values())).agent_leg
        await caller.hangup("remote_hangup")
        await until(lambda: agent_leg is not None and not agent_leg.is_active)
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    assert ran == []


def test_call_ended_runs_after_the_cdr_is_written(sqlite_db: Database, tmp_path: Path) -> None:
    a1 = seed(sqlite_db)["a1"]
    seen: list[tuple[CallHookContext, str | None, str | None]] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def ended(ctx: CallHookContext) -> None:
            [row] = _calls(sqlite_db)  # committed by the time the hook runs
            seen.append((ctx, row.state, row.outcome))

        center.hooks.register(P.CALL_ENDED, ended)
        engine.phones["1001"] = ("answer", 0.02)
        center.control.login(a1)
        caller = await engine.incoming("13800000001", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        await caller.hangup("remote_hangup")
        await until(lambda: bool(seen))

    run_center(sqlite_db, tmp_path, body)
    [(ctx, state, outcome)] = seen
    assert (state, outcome, ctx.outcome, ctx.agent_id) == ("ended", "answered", "answered", a1)
    assert ctx.recording is not None and not ctx.caller_leg.is_active


def test_survey_requested_keeps_the_caller_for_the_hook_then_hangs_up(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """A flow's survey node: "survey.requested" is published and the SURVEY_REQUESTED hooks get the
    caller (still on the line) with the survey's name; the hotline hangs up after them."""
    from hotline.ivr.service import publish, save_draft

    seed(sqlite_db)
    with sqlite_db.session() as s:
        save_draft(s, ACTOR, 1, {"start": "s", "nodes": {"s": {"type": "survey", "survey": "satisfaction"}}})
        publish(s, ACTOR, 1)
    seen: list[tuple[str | None, bool, str]] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        async def survey(ctx: CallHookContext) -> None:
            await ctx.caller_leg.play("survey-question")
            seen.append((ctx.survey, ctx.caller_leg.is_active, await ctx.caller_leg.collect_digits(1, 1.0)))

        center.hooks.register(P.SURVEY_REQUESTED, survey)
        caller = await engine.incoming("13800000001", "")
        caller.digits = ["2"]
        await until(lambda: bool(seen))
        await until(lambda: not caller.is_active)
        assert caller.cause == "survey" and caller.played[-1] == "survey-question"
        await until(lambda: _ended(sqlite_db))

    run_center(sqlite_db, tmp_path, body)
    assert seen == [("satisfaction", True, "2")]
