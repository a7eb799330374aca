"""Call-flow defects reproduced with SIPp callers and phones on the real engine: a double key press
in a menu answers neither the next menu nor the queue's callback key, a ring nobody answered puts
the caller back to waiting (music, announcements, the callback key), an emergency call answered by
the fan-out counts answered, and every registered phone of the agent rings."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from hotline.ivr.service import create_flow, publish
from tests.callcenter.rig import _ACK, _BYE, _INVITE, _OK, ACTOR, CARE_NUMBER, Rig
from tests.sip.harness import SCENARIOS

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
MakeRig = Callable[..., Rig]


_INFO = """INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={digit}
Duration=160
"""


def info_caller_xml(number: str, digits: str, hold_ms: int | None) -> str:
    """A trunk caller pressing `digits` 600 ms apart as SIP INFO (each press its own request: SIPp
    replays one RFC 4733 pcap with the same timestamp, which is rightly one event, so a key
    pressed twice needs INFO), then hanging up after `hold_ms` or waiting for the hotline's BYE."""
    steps = [f'<send retrans="500"><![CDATA[\n{_INVITE.format(number=number)}\n]]></send>']
    steps += ['<recv response="100" optional="true"/>', '<recv response="180" optional="true"/>']
    steps += ['<recv response="200"/>', f"<send><![CDATA[\n{_ACK.format(number=number)}\n]]></send>"]
    steps.append('<pause milliseconds="800"/>')
    for n, digit in enumerate(digits, 3):
        info = _INFO.format(number=number, cseq=n, digit=digit)
        steps += [f'<send retrans="500"><![CDATA[\n{info}\n]]></send>', '<recv response="200"/>']
        steps.append('<pause milliseconds="600"/>')
    if hold_ms is None:
        steps += ['<recv request="BYE"/>', f"<send><![CDATA[\n{_OK}\n]]></send>"]
    else:
        steps.append(f'<pause milliseconds="{hold_ms}"/>')
        bye = _BYE.format(number=number).replace("CSeq: 2 BYE", f"CSeq: {len(digits) + 3} BYE")
        steps += [f'<send retrans="500"><![CDATA[\n{bye}\n]]></send>', '<recv response="200"/>']
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="info caller">\n{body}\n</scenario>\n'


def _silence(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * int(8000 * seconds))


def _events(rig: Rig, topic: str, call_id: str) -> list[dict[str, object]]:
    return [e.data for e in list(rig.et.events) if e.topic == topic and e.data.get("call_id") == call_id]


def test_double_press_in_the_menu_is_no_callback_request(make_rig: MakeRig) -> None:
    rig = make_rig()
    rig.center.announce_seconds = 1.0
    # "Please hold" after the menu lasts 3 s: the second press lands in it, before the queue.
    _silence(rig.tmp / "prompts" / "wait.wav", 3.0)
    caller = rig.script("double.xml", info_caller_xml("13800000031", "11", 30000))
    rig.wait(lambda: len(rig.center.live) == 1, what="the call in the call center")
    [uuid] = list(rig.center.live)
    # Two announcements means the caller went on waiting past the first callback-key listening.
    rig.wait(lambda: len(_events(rig, "queue.position_announced", uuid)) >= 2, what="a second announcement")
    assert len(_events(rig, "leg.digit_received", uuid)) == 2  # both presses reached the engine
    assert not [k for u, _, k, _ in rig.queue_log() if u == uuid and k == "callback"]
    assert rig.center.live[uuid].state == "queued" and rig.center.live[uuid].caller_leg.is_active
    caller.kill()


def test_unanswered_ring_puts_the_caller_back_to_waiting(make_rig: MakeRig) -> None:
    rig = make_rig(ring_timeout_seconds=1, max_no_answer=1)
    rig.center.announce_seconds = 1.0
    agent = rig.agents["1001"]
    phone = rig.phone("1001", scenario=str(SCENARIOS / "uas_ring.xml"))  # rings, never answers
    rig.do(lambda: rig.center.control.login(agent))
    # Menu 1, then 1 pressed every 600 ms: while ringing nobody listens; once back in line the
    # callback key works again.
    caller = rig.script("presses.xml", info_caller_xml("13800000032", "1" * 25, None))
    rig.wait(lambda: any(k == "ring_no_answer" for *_, k, _ in rig.queue_log()), what="the ring timed out")
    [uuid] = [u for u, _, k, _ in rig.queue_log() if k == "ring_no_answer"]
    rig.wait(lambda: any(k == "callback" for u, _, k, _ in rig.queue_log() if u == uuid), what="callback key")
    topics = [(e.topic, e.data.get("kind")) for e in list(rig.et.events) if e.data.get("call_id") == uuid]
    after_ring = topics[topics.index(("queue.event_logged", "ring_no_answer")) :]
    assert ("queue.position_announced", None) in after_ring  # the announcements came back
    assert rig.center.acd.calls[uuid].callback  # kept its place, to be called back
    assert phone.wait(30) == 0  # the phone got its CANCEL
    caller.kill()


def test_emergency_answered_by_the_fan_out_counts_as_answered(make_rig: MakeRig) -> None:
    rig = make_rig()
    external = rig.external(calls=2, answer_after_ms=300)
    caller = rig.caller(CARE_NUMBER, "1", hold_ms=4000)  # care menu: 1 = emergency
    assert caller.wait(60) == 0, caller.output
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    assert call.outcome == "emergency" and call.answered_at is not None and call.wait_seconds is not None
    log = [kind for uuid, _, kind, _ in rig.queue_log() if uuid == call.uuid]
    assert log == ["enter", "connect", "ended"]
    kpi = rig.do(rig.center.views.kpis)["elderly"]
    assert (kpi["answered"], kpi["abandoned"], kpi["answer_rate"]) == (1, 0, 1.0)
    external.kill()


def test_every_registered_phone_of_the_agent_rings(make_rig: MakeRig) -> None:
    rig = make_rig()
    agent = rig.agents["1001"]
    desk = rig.phone("1001", answer_after_ms=300)  # registered first: not the newest contact
    soft = rig.phone("1001", scenario=str(SCENARIOS / "uas_ring.xml"))  # newest; rings until CANCEL
    assert len(rig.engine.contacts("1001")) == 2
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.caller("13800000033", "1", hold_ms=2500)
    assert caller.wait(60) == 0, caller.output
    assert desk.wait(30) == 0, desk.output  # answered, then got the BYE
    assert soft.wait(30) == 0, soft.output  # got its CANCEL when the desk phone answered
    rig.wait(lambda: rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    assert (call.outcome, call.agent_id) == ("answered", agent)
    agent_legs = sorted(
        (leg.answered_at is not None, leg.end_cause) for leg in rig.legs(call.id) if leg.role == "agent"
    )
    assert agent_legs == [(False, "answered_elsewhere"), (True, "peer_hangup")]


TWO_MENUS = {
    "start": "first",
    "nodes": {
        "first": {"type": "menu", "prompt": "main_menu", "options": {"1": "hold"}, "no_input": "q_general"},
        "hold": {"type": "play", "prompt": "wait", "next": "second"},
        "second": {
            "type": "menu",
            "prompt": "main_menu",
            "options": {"1": "q_elderly"},
            "timeout": 2,
            "retries": 0,
            "no_input": "q_general",
        },
        "q_elderly": {"type": "enqueue", "queue": "elderly"},
        "q_general": {"type": "enqueue", "queue": "general"},
    },
}


def test_a_leftover_key_does_not_answer_the_next_menu(make_rig: MakeRig) -> None:
    rig = make_rig()
    with rig.db.session() as s:
        publish(s, ACTOR, create_flow(s, ACTOR, "two_menus", TWO_MENUS, numbers="777").id)
    _silence(rig.tmp / "prompts" / "wait.wav", 3.0)  # the second press lands in it
    caller = rig.script("two.xml", info_caller_xml("13800000034", "11", 8000), dialed="777")
    rig.wait(lambda: any(k == "enter" for *_, k, _ in rig.queue_log()), what="queued")
    [call] = rig.calls()
    second = next(step for step in rig.center.live[call.uuid].ivr_path if step["node"] == "second")
    assert second["digits"] == [""] and rig.queue_log()[0][1] == "general"  # silence, not the 1
    caller.kill()
