"""End to end with SIPp: IVR menu by DTMF -> queue -> agent phone answers -> hang-up, asserting the
CDR, the queue log and the recording; priority overtaking, overflow, callback, emergency fan-out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hotline.calls.models import Recording
from tests.callcenter.rig import CARE_NUMBER, CONTACT_NUMBER, Rig

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
MakeRig = Callable[..., Rig]


def test_ivr_queue_agent_hangup(make_rig: MakeRig) -> None:
    rig = make_rig()
    agent = rig.agents["1001"]
    phone = rig.phone("1001")
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.caller("13800000001", "1", hold_ms=2500)  # key 1: elderly care
    assert caller.wait(60) == 0, caller.output
    assert phone.wait(30) == 0, phone.output
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    assert (call.queue, call.agent_id, call.outcome, call.caller_number) == (
        "elderly",
        agent,
        "answered",
        "13800000001",
    )
    assert call.answered_at is not None and call.wait_seconds is not None and call.talk_seconds
    assert [step["node"] for step in call.ivr_path["steps"]][:3] == ["care_check", "hours", "welcome"]
    assert [leg.role for leg in rig.legs(call.id)] == ["caller", "agent"]
    log = [(kind, agent_id) for uuid, queue, kind, agent_id in rig.queue_log() if uuid == call.uuid]
    assert log == [("enter", None), ("connect", agent), ("complete", agent)]
    with rig.db.session() as s:
        rec = s.query(Recording).one()
    assert rec.call_uuid == call.uuid and rec.agent_id == agent and rec.complete and Path(rec.path).exists()
    kpi = rig.do(rig.center.views.kpis)["elderly"]
    assert (kpi["offered"], kpi["answered"], kpi["answer_rate"]) == (1, 1, 1.0)


def test_care_profile_caller_overtakes(make_rig: MakeRig) -> None:
    rig = make_rig()
    agent = rig.agents["1001"]
    plain = []
    for i in (1, 2):
        plain.append(rig.caller(f"1380000000{i}", "1", hold_ms=None))
        rig.wait(lambda i=i: len(rig.center.acd.calls) == i, what=f"ordinary caller {i} queued")  # type: ignore[misc]
    care = rig.caller(CARE_NUMBER, "0", hold_ms=3000)  # care profile: short menu, 0 = a person now
    rig.wait(lambda: len(rig.center.acd.calls) == 3, what="care caller queued")
    waiting = rig.do(lambda: rig.center.views.queue_view("elderly"))
    assert [w["caller"] for w in waiting] == [CARE_NUMBER, "13800000001", "13800000002"]
    assert waiting[0]["priority"] == 2
    phone = rig.phone("1001")
    rig.do(lambda: rig.center.control.login(agent))
    assert care.wait(60) == 0, care.output
    assert phone.wait(30) == 0
    connects = [(uuid, a) for uuid, q, kind, a in rig.queue_log() if kind == "connect"]
    by_number = {c.uuid: c.caller_number for c in rig.calls()}
    assert [by_number[u] for u, _ in connects][:1] == [CARE_NUMBER]
    for sipp in plain:
        sipp.kill()


def test_overflow_after_timeout(make_rig: MakeRig) -> None:
    rig = make_rig(timeout_seconds=2, overflow_kind="queue", overflow_target="general")
    other = rig.agents["1002"]  # serves general only
    phone = rig.phone("1002")
    rig.do(lambda: rig.center.control.login(other))
    caller = rig.caller("13800000003", "1", hold_ms=5000)
    assert caller.wait(60) == 0, caller.output
    assert phone.wait(30) == 0
    log = [(q, kind, a) for _, q, kind, a in rig.queue_log()]
    assert log[:4] == [
        ("elderly", "enter", None),
        ("elderly", "timeout", None),
        ("general", "overflow", None),
        ("general", "connect", other),
    ]
    [call] = rig.calls()
    assert call.queue == "elderly" and call.agent_id == other


def test_callback_keeps_its_place(make_rig: MakeRig) -> None:
    rig = make_rig(timeout_seconds=2, overflow_kind="callback")
    agent = rig.agents["1001"]
    # Logged in but on a break: the queue is staffed, so callers wait out its timeout.
    rig.do(lambda: rig.center.control.login(agent))
    rig.do(lambda: rig.center.control.not_ready(agent, "break"))
    first = rig.caller("13800000004", "1", hold_ms=None)  # times out -> callback, the hotline hangs up
    assert first.wait(30) == 0, first.output
    rig.wait(lambda: any(k == "callback" for _, _, k, _ in rig.queue_log()), what="callback registered")
    second = rig.caller("13800000005", "1", hold_ms=None)
    rig.wait(
        lambda: len(rig.do(lambda: rig.center.views.queue_view("elderly"))) == 2, what="second caller queued"
    )
    view = rig.do(lambda: rig.center.views.queue_view("elderly"))
    assert [(v["caller"], v["callback"]) for v in view] == [("13800000004", True), ("13800000005", False)]
    callee = rig.external(calls=1)  # the trunk side that takes the callback to 13800000004
    phone = rig.phone("1001")
    rig.do(lambda: rig.center.control.ready(agent))
    rig.wait(lambda: any(k == "connect" for _, _, k, _ in rig.queue_log()), what="callback connected")
    connects = [(u, a) for u, _, k, a in rig.queue_log() if k == "connect"]
    numbers = {c.uuid: c.caller_number for c in rig.calls()}
    assert numbers[connects[0][0]] == "13800000004"
    assert rig.do(lambda: rig.center.views.queue_view("elderly"))[0]["caller"] == "13800000005"
    cb = next(c for c in rig.calls() if c.caller_number == "13800000004")
    rig.wait(lambda: len(rig.legs(cb.id)) == 3, what="callee bridged to the agent")
    assert [leg.role for leg in rig.legs(cb.id)] == ["caller", "agent", "callback"]
    rig.do(lambda: rig.center.control.force_hangup(cb.uuid))
    assert callee.wait(30) == 0 and phone.wait(30) == 0
    rig.wait(
        lambda: next(c for c in rig.calls() if c.uuid == cb.uuid).state == "ended", what="callback CDR closed"
    )
    cb = next(c for c in rig.calls() if c.uuid == cb.uuid)
    assert (cb.outcome, cb.agent_id) == ("force_hangup", agent)  # answered, then a supervisor ended it
    second.kill()


def test_emergency_rings_number_and_contacts_in_parallel(make_rig: MakeRig) -> None:
    rig = make_rig()
    external = rig.external(calls=2, answer_after_ms=500)
    caller = rig.caller(CARE_NUMBER, "1", hold_ms=4000)  # care menu: 1 = emergency
    assert caller.wait(60) == 0, caller.output
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    legs = rig.legs(call.id)
    externals = {leg.number: leg for leg in legs if leg.role == "external"}
    assert set(externals) == {"120", CONTACT_NUMBER}
    starts = sorted(leg.started_at for leg in externals.values())
    assert (starts[1] - starts[0]).total_seconds() < 1.0  # rung in parallel, not one after the other
    causes = sorted(leg.end_cause or "" for leg in externals.values())
    assert "answered_elsewhere" in causes
    topics = rig.et.topics()
    assert "emergency.raised" in topics and "emergency.connected" in topics
    assert call.outcome == "emergency" and call.priority == 100
    with rig.db.session() as s:
        assert s.query(Recording).filter_by(call_uuid=call.uuid).count() == 1
    # each leg's state reached the consoles: one answered, the other gave way
    legs_seen = [
        (e.data["number"], e.data["status"]) for e in rig.et.events if e.topic == "emergency.leg_changed"
    ]
    assert sorted(status for _, status in legs_seen) == ["answered", "answered_elsewhere"], legs_seen
    # the wallboard's alert outlives the call (and a reload) until a supervisor acknowledges it
    [alert] = rig.do(lambda: rig.center.alerts.view())
    assert alert["ended"] and alert["connected"] in ("120", CONTACT_NUMBER)
    assert sorted(x["status"] for x in alert["legs"]) == ["answered", "answered_elsewhere"]
    rig.do(lambda: rig.center.alerts.acknowledge(call.uuid, "banzhang"))
    assert rig.do(lambda: rig.center.alerts.view()) == []
    assert {"emergency.ended", "emergency.acknowledged"} <= set(rig.et.topics())
    external.kill()


def test_attended_transfer(make_rig: MakeRig) -> None:
    rig = make_rig()
    agent = rig.agents["1001"]
    phone = rig.phone("1001")
    colleague = rig.phone("1002")  # the consulted party (another desk)
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.caller("13800000007", "1", hold_ms=7000)
    rig.wait(lambda: rig.center.acd.agents[agent].state.value == "talking", what="agent talking")
    consult = rig.do(lambda: rig.center.control.consult(agent, "1002"))
    assert rig.center.acd.agents[agent].state.value == "hold"
    done = rig.do(lambda: rig.center.control.complete_transfer(agent))
    assert done["connected"] == consult["consult_leg"]
    assert phone.wait(30) == 0  # the agent's phone got its BYE
    assert caller.wait(60) == 0, caller.output
    assert colleague.wait(30) == 0  # ... and the colleague's when the caller hung up
    rig.wait(lambda: rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    legs = [(leg.role, leg.number, leg.end_cause) for leg in rig.legs(call.id)]
    assert legs == [
        ("caller", "13800000007", "remote_hangup"),
        ("agent", "1001", "transferred"),
        ("external", "1002", "peer_hangup"),
    ]
    log = [(kind, a) for uuid, _, kind, a in rig.queue_log() if uuid == call.uuid]
    assert log == [("enter", None), ("connect", agent), ("complete", agent)]
    with rig.db.session() as s:
        rec = s.query(Recording).filter_by(call_uuid=call.uuid).one()
    assert Path(rec.path).exists() and rec.complete  # SIPp sends no RTP here: the WAV holds silence
