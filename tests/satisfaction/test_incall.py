"""The call hooks with a scripted caller: the survey stores each kind of answer once against the
call, agent, queue and work order, counts it for the live KPIs and thanks the caller; the agent's
number is announced only where the queue asks for it. Both databases."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from hotline.bus import Event, get_bus
from hotline.calls.hooks import CallHookContext
from hotline.calls.hooks import CallHookPoint as P
from hotline.media.prompts import PromptLibrary
from hotline.satisfaction.incall import InCall
from hotline.satisfaction.service import answer_for_call
from hotline.store.db import Database
from tests.satisfaction.helpers import ScriptedLeg, recorded_prompts, seed_queue, tone_wav


def _ctx(
    leg: ScriptedLeg, agent_id: int | None, call_id: str = "call-1", queue: str = "elderly"
) -> CallHookContext:
    return CallHookContext(
        call_id=call_id,
        caller_leg=leg,
        caller_number="13800000001",
        caller_id=None,
        queue=queue,
        agent_id=agent_id,
    )


def _incall(db: Database, tmp_path: Path, counted: list[tuple[str | None, str]]) -> InCall:
    prompts = PromptLibrary(recorded_prompts(tmp_path / "prompts"))
    return InCall(
        db, prompts, on_answer=lambda q, level: counted.append((q, level)), work_order_of={"call-1": 77}.get
    )


@pytest.mark.parametrize(
    ("keys", "level", "score", "played"),
    [
        (["1"], "satisfied", 3, ["satisfaction-survey-3", "satisfaction-thanks"]),
        (["3"], "dissatisfied", 1, ["satisfaction-survey-3", "satisfaction-thanks"]),
        (
            ["7", "2"],
            "basically_satisfied",
            2,
            ["satisfaction-survey-3", "satisfaction-again", "satisfaction-survey-3", "satisfaction-thanks"],
        ),
        ([""], "unrated", None, ["satisfaction-survey-3"]),
        (
            ["9", "8"],
            "unrated",
            None,
            ["satisfaction-survey-3", "satisfaction-again", "satisfaction-survey-3"],
        ),
        (["hangup"], "unrated", None, ["satisfaction-survey-3"]),
    ],
)
def test_survey_stores_the_answer_against_the_call(
    db: Database, tmp_path: Path, keys: list[str], level: str, score: int | None, played: list[str]
) -> None:
    agent = seed_queue(db, survey_enabled=True, scale=3)
    counted: list[tuple[str | None, str]] = []
    events: list[Event] = []
    unsubscribe = get_bus().subscribe("satisfaction.*", events.append)
    leg = ScriptedLeg(keys)
    try:
        asyncio.run(_incall(db, tmp_path, counted).survey(_ctx(leg, agent)))
    finally:
        unsubscribe()
    with db.session() as s:
        row = answer_for_call(s, "call-1")
        assert row is not None
        assert (row.level, row.score, row.agent_id, row.queue, row.work_order_id) == (
            level,
            score,
            agent,
            "elderly",
            77,
        )
        assert row.flag == ("open" if level == "dissatisfied" else None)
        if level == "unrated":
            assert row.reason == {"": "no_key", "9": "invalid", "hangup": "hung_up"}[keys[0]]
    assert leg.played == played
    assert counted == [("elderly", level)]
    topics = [e.topic for e in events]
    assert topics[0] == "satisfaction.answer_recorded" and events[0].data["call_id"] == "call-1"
    assert ("satisfaction.dissatisfied_flagged" in topics) == (level == "dissatisfied")


def test_five_point_scale_and_the_first_answer_stands(db: Database, tmp_path: Path) -> None:
    agent = seed_queue(db, survey_enabled=True, scale=5)
    counted: list[tuple[str | None, str]] = []
    incall = _incall(db, tmp_path, counted)
    asyncio.run(incall.survey(_ctx(ScriptedLeg(["4"]), agent)))
    asyncio.run(incall.survey(_ctx(ScriptedLeg(["1"]), agent)))  # the same call asked again
    with db.session() as s:
        row = answer_for_call(s, "call-1")
        assert row is not None and (row.scale, row.key, row.score, row.level) == (5, "4", 4, "satisfied")


@pytest.mark.parametrize("settings", [{}, {"survey_enabled": False, "announce_agent_number": True}])
def test_no_survey_where_the_queue_runs_none(db: Database, tmp_path: Path, settings: dict[str, Any]) -> None:
    agent = seed_queue(db, **settings)
    leg = ScriptedLeg(["1"])
    asyncio.run(_incall(db, tmp_path, []).survey(_ctx(leg, agent)))
    with db.session() as s:
        assert answer_for_call(s, "call-1") is None
    assert leg.played == [] and leg.keys == ["1"]


@pytest.mark.parametrize(("announce", "number_heard"), [(True, True), (False, False)])
def test_agent_number_announced_where_the_queue_asks(
    db: Database, tmp_path: Path, announce: bool, number_heard: bool
) -> None:
    agent = seed_queue(db, announce_agent_number=announce)
    incall = _incall(db, tmp_path, [])
    tone_wav(tmp_path / "prompts" / "agent-number-1023.wav")  # recorded: wins over TTS
    leg = ScriptedLeg([])
    asyncio.run(incall.announce(_ctx(leg, agent)))
    assert leg.played == (["agent-number-1023"] if number_heard else [])
    other = ScriptedLeg([])
    asyncio.run(incall.announce(_ctx(other, None)))  # no agent (never connected): nothing
    assert other.played == []


def test_hooks_are_declared_on_their_points(db: Database, tmp_path: Path) -> None:
    hooks = _incall(db, tmp_path, []).hooks()
    assert set(hooks) == {P.AGENT_CONNECTED, P.AGENT_LEG_ENDED, P.SURVEY_REQUESTED}


@pytest.mark.parametrize(("survey", "stored"), [("satisfaction", True), ("census-2026", False)])
def test_an_ivr_survey_node_named_satisfaction_asks_whatever_the_queue_switch(
    db: Database, tmp_path: Path, survey: str, stored: bool
) -> None:
    agent = seed_queue(db)  # no settings saved: the queue asks nobody by itself
    leg = ScriptedLeg(["2"])
    ctx = dataclasses.replace(_ctx(leg, agent), survey=survey)
    asyncio.run(_incall(db, tmp_path, []).requested(ctx))
    with db.session() as s:
        row = answer_for_call(s, "call-1")
        assert (row is not None) == stored
        if row is not None:
            assert (row.scale, row.level, row.agent_id) == (3, "basically_satisfied", agent)
