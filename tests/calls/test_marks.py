"""Time marks on recordings: the mark book's rules on a scripted clock, marks from the call
center's own events on the engine double (offsets against when the recording started), and the
API (hand-set marks on a live call, permissions, audit, marks listed with a recording) on both
databases."""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from hotline.acd.states import AgentState
from hotline.audit.models import AuditEntry
from hotline.bus import InProcessBus
from hotline.calls import cdr, marks
from hotline.calls.center import CallCenter
from hotline.calls.live import LiveCall
from hotline.calls.marks import MarkBook
from hotline.calls.models import Recording, RecordingMark
from hotline.calls.topics import QueueEventLogged
from hotline.ivr.interpreter import CallerFacts
from hotline.people.service import user_by_username
from hotline.sip.topics import (
    CallEnded,
    CallMixerChanged,
    CallRecordingStarted,
    CallTransferred,
    LegEnded,
    LegHeld,
    LegResumed,
)
from hotline.store.db import Database
from hotline.workorders.topics import WorkOrderCreated
from tests.calls.conftest import Running
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import ACTOR, run_center, seed, until

H = Callable[[str], dict[str, str]]


def wav(path: Path, seconds: float) -> None:
    """A silent stereo 8 kHz WAV where the engine would have written the call's recording."""
    frames = int(seconds * 8000)
    header = b"RIFF" + struct.pack("<I", 36 + frames * 4) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 2, 8000, 32000, 4, 16) + b"data" + struct.pack("<I", frames * 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + bytes(frames * 4))


# --- the mark book's rules, on a scripted clock ---------------------------------------------------


@dataclass
class Leg:
    id: str
    dialed: str = ""


@dataclass
class EngineCall:
    id: str
    legs: list[Leg] = field(default_factory=list)


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def insert(self, table: type[Any], row: dict[str, Any]) -> None:
        assert table is RecordingMark
        self.rows.append(row)


class Host:
    def __init__(self) -> None:
        self.bus = InProcessBus()
        self.live: dict[str, LiveCall] = {}
        self.writer = Rows()
        self.loop: asyncio.AbstractEventLoop | None = None


def book() -> tuple[MarkBook, Host, list[float], LiveCall]:
    host, now = Host(), [100.0]
    mb = MarkBook(host, clock=lambda: now[0])  # type: ignore[arg-type]
    for unsubscribe in mb.subscribe():
        assert callable(unsubscribe)
    caller, agent, sup = Leg("c1-1"), Leg("c1-2", "1001"), Leg("c1-3", "2001")
    call = EngineCall("c1", [caller, agent, sup])
    live = LiveCall("c1", call, caller, "13800000001", CallerFacts("13800000001"), state="connected")
    live.agent_id, live.agent_leg, live.supervisors = 7, agent, {9: sup}
    host.live["c1"] = live
    return mb, host, now, live


def test_book_marks_only_recorded_calls_at_their_offset() -> None:
    mb, host, now, _ = book()
    pub = host.bus.publish
    pub(LegHeld(call_id="c1", leg_id="c1-1", by="engine"))  # not recorded yet
    assert host.writer.rows == []
    pub(CallRecordingStarted(call_id="c1", path="/r/c1.wav"))
    now[0] += 12.3456
    pub(LegHeld(call_id="c1", leg_id="c1-1", by="engine"))
    now[0] += 5
    pub(LegResumed(call_id="c1", leg_id="c1-2", by="remote"))
    pub(LegHeld(call_id="other", leg_id="x", by="engine"))  # not a call of ours
    rows = host.writer.rows
    assert [(r["kind"], r["offset_seconds"], r["label"], r["agent_id"]) for r in rows] == [
        ("hold", 12.346, "caller", 7),
        ("unhold", 17.346, "agent", 7),
    ]
    assert {r["call_uuid"] for r in rows} == {"c1"}
    assert mb.live_offset("c1") == {"call_id": "c1", "offset_seconds": 17.346, "agent_id": 7}
    pub(CallEnded(call_id="c1"))
    assert mb.offset("c1") is None


def test_book_supervision_conference_transfer_and_work_orders() -> None:
    _, host, now, live = book()
    pub = host.bus.publish
    pub(CallRecordingStarted(call_id="c1"))
    now[0] += 1
    # the engine's start_conference first adds the legs already in the call as caller/agent
    pub(CallMixerChanged(call_id="c1", leg_id="c1-1", role="caller", mode="full"))
    pub(CallMixerChanged(call_id="c1", leg_id="c1-3", role="agent", mode="full"))
    pub(CallMixerChanged(call_id="c1", leg_id="c1-3", role="supervisor", mode="listen"))
    now[0] += 1
    pub(CallMixerChanged(call_id="c1", leg_id="c1-3", mode="listen"))  # the same again
    pub(CallMixerChanged(call_id="c1", leg_id="c1-3", mode="whisper"))
    now[0] += 1
    pub(CallMixerChanged(call_id="c1", leg_id="c1-3", mode="barge"))
    pub(CallMixerChanged(call_id="c1", leg_id="c1-4", role="third", mode="full"))
    now[0] += 1
    pub(WorkOrderCreated(id=5, number="GD20261125-0001", channel="phone", call_ids=["c1", "gone"]))
    pub(WorkOrderCreated(id=6, number="GD20261125-0002", channel="web", call_ids=[]))  # no call
    now[0] += 1
    pub(QueueEventLogged(kind="transfer", call_id="c1", queue="general", details={"from_agent": 7}))
    pub(
        LegEnded(call_id="c1", leg_id="c1-2", cause="transferred", previous_state="answered")
    )  # the same transfer
    now[0] += 3
    live.call.legs.append(Leg("c1-5", "1002"))
    pub(CallTransferred(call_id="c1", from_leg="c1-2", to_leg="c1-5"))  # later: a new one
    pub(LegEnded(call_id="c1", leg_id="c1-2", cause="normal", previous_state="answered"))
    got = [(r["kind"], r["offset_seconds"], r["label"], r["agent_id"]) for r in host.writer.rows]
    assert got == [
        ("supervisor_listen", 1.0, None, 9),
        ("supervisor_whisper", 2.0, None, 9),
        ("supervisor_barge", 3.0, None, 9),
        ("conference", 3.0, None, 7),
        ("work_order", 4.0, "GD20261125-0001", 7),
        ("transfer", 5.0, "general", 7),
        ("transfer", 8.0, "1002", 7),
    ]
    assert {k for k, *_ in got} <= set(marks.KINDS)


def test_book_takes_work_orders_from_another_thread() -> None:
    async def main() -> tuple[MarkBook, Host]:
        mb, host, now, _ = book()  # subscribed on this loop: the bus delivers here
        host.bus.publish(CallRecordingStarted(call_id="c1"))
        now[0] += 2
        # web requests create work orders in worker threads: the mark is made on the loop
        data = WorkOrderCreated(id=1, number="GD1", channel="phone", call_ids=["c1"])
        await asyncio.to_thread(host.bus.publish, data)
        await asyncio.sleep(0.01)
        return mb, host

    mb, host = asyncio.run(main())
    assert [(r["kind"], r["label"], r["offset_seconds"]) for r in host.writer.rows] == [
        ("work_order", "GD1", 2.0)
    ]
    assert mb.offset("c1") == 2.0


# --- the call center's events on the engine double --------------------------------------------------


def _marks(db: Database) -> list[RecordingMark]:
    with db.session() as s:
        return list(s.scalars(select(RecordingMark).order_by(RecordingMark.id)))


def test_call_events_become_marks_with_offsets_from_the_recording_start(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db)
    a1, a2, sup = ids["a1"], ids["a2"], ids["supervisor"]
    expected: list[tuple[str, float]] = []
    started: list[float] = []

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        center.bus.subscribe("call.recording_started", lambda e: started.append(time.monotonic()))

        def at(kind: str) -> None:
            expected.append((kind, time.monotonic() - started[0]))

        engine.phones.update({"1001": ("answer", 0.01), "1002": ("answer", 0.01), "2001": ("answer", 0.01)})
        center.control.login(a1)
        caller = await engine.incoming("13800000021", "1")
        await until(lambda: center.acd.agents[a1].state is AgentState.talking)
        assert started and caller.call.recorded is not None
        await asyncio.sleep(0.3)
        at("hold")
        await center.control.hold(a1, True)
        await asyncio.sleep(0.2)
        at("unhold")
        await center.control.hold(a1, False)
        await asyncio.sleep(0.2)
        await center.control.supervise(sup, a1, "listen")
        at("supervisor_listen")
        await center.control.supervise(sup, a1, "listen")  # asked twice: one moment
        await asyncio.sleep(0.2)
        at("supervisor_whisper")
        await center.control.supervise(sup, a1, "whisper")
        await asyncio.sleep(0.2)
        # what the work-order side publishes for an order opened on this call (from a web thread):
        # the mark is where the order was created, however late the thread or the loop gets to it
        order = WorkOrderCreated(id=1, number="GD20261125-0007", channel="phone", call_ids=[caller.call.id])

        def create_order() -> None:
            at("work_order")
            center.bus.publish(order)

        await asyncio.to_thread(create_order)
        await asyncio.sleep(0.2)
        center.control.login(a2)
        center.control.not_ready(a1, "notes")  # applied after this call: the queue call goes to a2
        at("transfer")
        await center.control.transfer(a1, "queue", "general")
        await until(lambda: center.acd.agents[a2].state is AgentState.talking)
        wav(caller.call.recorded, 2.0)  # the engine's file, indexed when the call ends
        await caller.hangup()
        await until(lambda: center.acd.agents[a2].state is not AgentState.talking)
        await center.writer.flush()

    run_center(sqlite_db, tmp_path, body)
    rows = _marks(sqlite_db)
    assert [m.kind for m in rows] == [k for k, _ in expected]
    for mark, (kind, offset) in zip(rows, expected, strict=True):
        assert abs(mark.offset_seconds - offset) < 0.05, (kind, mark.offset_seconds, offset)
    assert [m.offset_seconds for m in rows] == sorted(m.offset_seconds for m in rows)
    by_kind = {m.kind: m for m in rows}
    assert (by_kind["hold"].label, by_kind["hold"].agent_id) == ("caller", a1)
    assert by_kind["supervisor_whisper"].agent_id == sup
    assert (by_kind["work_order"].label, by_kind["transfer"].label) == ("GD20261125-0007", "general")
    assert by_kind["transfer"].agent_id == a1
    with sqlite_db.session() as s:
        rec = s.scalars(select(Recording)).one()
        assert {m.call_uuid for m in rows} == {rec.call_uuid}
        listed = marks.for_recording(s, rec.id)
    assert [m.kind for m in listed] == [m.kind for m in rows]
    assert all(m.offset_seconds <= 2.0 for m in listed)  # held within the 2 s file


def test_no_marks_for_calls_that_are_not_recorded(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        caller = await engine.incoming("13800000022", "1")  # waits in the queue, nobody logged in
        await until(lambda: center.views.queue_view("elderly") != [])
        await caller.hold()  # e.g. the phone's own hold key while queued
        await caller.unhold()
        await caller.hangup()
        await center.writer.flush()

    run_center(sqlite_db, tmp_path, body)
    assert _marks(sqlite_db) == []


# --- the API -------------------------------------------------------------------------------------


def _connected(running: Running, client: TestClient, agent: dict[str, str]) -> str:
    running.engine.phones["1003"] = ("answer", 0.01)
    assert client.post("/api/calls/agent/login", headers=agent).status_code == 200
    running.run(running.engine.incoming("13812345678", "1"))
    for _ in range(200):
        me = client.get("/api/calls/agent/me", headers=agent).json()
        if me["state"] == "talking":
            return str(me["call_id"])
        time.sleep(0.02)
    raise AssertionError("the agent never talked")


def test_hand_marks_on_a_live_call(running: Running, client: TestClient, auth: H, db: Database) -> None:
    agent, sup = auth("agent"), auth("supervisor")
    uuid = _connected(running, client, agent)
    time.sleep(0.2)
    r = client.post(f"/api/calls/{uuid}/marks", json={"label": " 来电人情绪激动 "}, headers=agent)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert (mine["kind"], mine["label"], mine["call_uuid"]) == ("agent_mark", "来电人情绪激动", uuid)
    assert 0.15 < mine["offset_seconds"] < 5
    r = client.post(f"/api/calls/{uuid}/marks", json={"label": "班长提示"}, headers=sup)
    assert r.status_code == 201 and r.json()["offset_seconds"] >= mine["offset_seconds"]
    # rejected: unknown fields, empty labels, another agent's call, no control permission, no call
    assert (
        client.post(f"/api/calls/{uuid}/marks", json={"label": "x", "at": 3}, headers=agent).status_code
        == 422
    )
    assert client.post(f"/api/calls/{uuid}/marks", json={"label": "  "}, headers=agent).status_code == 422
    running.run(_as_other_agent(running.center, uuid))
    assert client.post(f"/api/calls/{uuid}/marks", json={"label": "x"}, headers=agent).status_code == 403
    assert (
        client.post(f"/api/calls/{uuid}/marks", json={"label": "x"}, headers=auth("qa_inspector")).status_code
        == 403
    )
    assert client.post("/api/calls/nope/marks", json={"label": "x"}, headers=sup).status_code == 404
    with db.session() as s:
        rows = list(s.scalars(select(RecordingMark).order_by(RecordingMark.id)))
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "recording_mark")))
    assert [(m.kind, m.label) for m in rows] == [("agent_mark", "来电人情绪激动"), ("agent_mark", "班长提示")]
    assert [a.entity_id for a in audit] == [str(m.id) for m in rows]
    assert audit[0].after is not None and audit[0].after["label"] == "来电人情绪激动"


async def _as_other_agent(center: CallCenter, uuid: str) -> None:
    """Pretend another agent took the call over (a colleague after a transfer)."""
    live = next(lc for lc in center.live.values() if lc.uuid == uuid)
    live.agent_id = 999_999


def test_a_call_not_yet_recorded_cannot_be_marked(running: Running, client: TestClient, auth: H) -> None:
    running.run(running.engine.incoming("13812345679", "1"))  # queued, nobody ready
    time.sleep(0.2)
    [waiting] = client.get("/api/calls/queues/elderly/waiting", headers=auth("agent")).json()
    r = client.post(f"/api/calls/{waiting['call_id']}/marks", json={"label": "x"}, headers=auth("supervisor"))
    assert r.status_code == 409 and r.json()["detail_zh"] == "通话尚未开始录音"


def test_recording_lists_its_marks_in_time_order(
    client: TestClient, auth: H, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "u9.wav"
    wav(path, 30.0)
    with db.session() as s:
        rec = cdr.index_recording(s, path, True, call_uuid="u9", queue="elderly")
        agent = user_by_username(s, "agent")
        assert agent is not None
        marks.add(s, ACTOR, "u9", 20.5, "agent_mark", "地址核实", agent.id)
        s.execute(
            insert(RecordingMark),
            [
                {
                    "call_uuid": "u9",
                    "offset_seconds": 3.25,
                    "kind": "hold",
                    "label": "caller",
                    "created_at": rec.ended_at,
                },
                {"call_uuid": "u9", "offset_seconds": 31.0, "kind": "transfer", "created_at": rec.ended_at},
                {"call_uuid": "u8", "offset_seconds": 1.0, "kind": "hold", "created_at": rec.ended_at},
            ],
        )
        rec_id = rec.id
    r = client.get(f"/api/calls/recordings/{rec_id}/marks", headers=auth("qa_inspector"))
    assert r.status_code == 200
    assert [(m["kind"], m["offset_seconds"], m["label"]) for m in r.json()] == [
        ("hold", 3.25, "caller"),
        ("agent_mark", 20.5, "地址核实"),
        ("transfer", 30.0, None),  # a packet past the end: held at the end
    ]
    assert (
        client.get(f"/api/calls/recordings/{rec_id}/marks", headers=auth("department_handler")).status_code
        == 403
    )
    assert client.get("/api/calls/recordings/999999/marks", headers=auth("agent")).status_code == 404
    with db.session() as s:  # listing never rewrites the stored offsets
        assert s.scalar(select(RecordingMark.offset_seconds).where(RecordingMark.kind == "transfer")) == 31.0
