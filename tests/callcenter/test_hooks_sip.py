"""The "agent leg ended" call hook over real SIP and RTP: the agent's phone (SIPp) hangs up first,
the caller (SIPp, echoing what it hears) stays on the line while the hook plays a prompt to them,
and is hung up by the hotline afterwards."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hotline.calls.hooks import CallHookContext, CallHookPoint
from hotline.ivr.service import publish, save_draft
from hotline.media import g711
from tests.callcenter.rig import ACTOR, Rig
from tests.sip.harness import SCENARIOS, Sipp, free_port

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
STRAIGHT_TO_QUEUE = {"start": "q", "nodes": {"q": {"type": "enqueue", "queue": "elderly"}}}


def _tone(path: Path, hz: float, seconds: float) -> Path:
    t = np.arange(int(8000 * seconds)) / 8000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16).tobytes())
    return path


def _band(pcm: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    i = round(hz * len(pcm) / 8000)
    return float(spec[i - 2 : i + 3].sum())


def test_agent_leg_ended_hook_plays_a_prompt_to_the_caller_after_the_agent_hung_up(
    make_rig: Callable[..., Rig], tmp_path: Path
) -> None:
    rig = make_rig()
    with rig.db.session() as s:
        save_draft(s, ACTOR, 1, STRAIGHT_TO_QUEUE)
        publish(s, ACTOR, 1)
    agent = rig.agents["1001"]
    prompt = _tone(tmp_path / "survey.wav", 1000, 1.5)
    ran: list[tuple[int | None, bool, bool]] = []
    echoed: list[bytes] = []

    async def survey(ctx: CallHookContext) -> None:
        leg: Any = ctx.caller_leg  # the engine's Leg: its audio taps hear what the caller sends back
        assert ctx.agent_leg is not None
        ran.append((ctx.agent_id, leg.is_active, ctx.agent_leg.is_active))
        leg.audio_taps.append(lambda _leg, pkt: echoed.append(pkt.payload))
        await leg.play(prompt)

    rig.do(lambda: rig.center.hooks.register(CallHookPoint.AGENT_LEG_ENDED, survey))
    phone = rig.phone("1001", scenario=str(SCENARIOS / "uas_bye.xml"))  # answers, BYE after 1 s
    rig.do(lambda: rig.center.control.login(agent))
    caller = Sipp(
        str(SCENARIOS / "uac_wait_bye.xml"),
        rig.et.port,
        args=["-s", "12345", "-m", "1", "-rtp_echo", "-mp", str(free_port("127.0.0.2"))],
        cwd=tmp_path,
    ).start()
    rig.procs.append(caller)
    assert caller.wait(40) == 0, caller.output  # the hotline hung the caller up (BYE) in the end
    assert phone.wait(10) == 0, phone.output
    assert ran == [(agent, True, False)]  # run after the agent left, with the caller still there
    heard = g711.ulaw_decode(b"".join(echoed))
    assert len(heard) >= 8000  # a second and more of the prompt came back from the caller
    assert _band(heard, 1000) > 20 * _band(heard, 400)
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    assert call.outcome == "answered" and call.agent_id == agent
    causes = {leg.role: leg.end_cause for leg in rig.legs(call.id)}
    assert causes["caller"] == "peer_hangup"
