"""Supervisor whisper through the call center's API, over real RTP: the agent hears it, the caller
never does (the caller echoes everything it receives, so its incoming audio is what it heard)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hotline.ivr.service import publish, save_draft
from hotline.media import g711
from tests.callcenter.rig import ACTOR, Rig
from tests.sip.harness import SCENARIOS, Sipp, free_port

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
STRAIGHT_TO_QUEUE = {"start": "q", "nodes": {"q": {"type": "enqueue", "queue": "elderly"}}}


def band(pcm: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    i = round(hz * len(pcm) / 8000)
    return float(spec[i - 2 : i + 3].sum())


def tone_dir(folder: Path, hz: float) -> Path:
    folder.mkdir(exist_ok=True)
    t = np.arange(8000 * 8) / 8000
    (folder / "tone.ulaw").write_bytes(g711.ulaw_encode((np.sin(2 * np.pi * hz * t) * 6000).astype(np.int16)))
    return folder


def test_whisper_heard_by_agent_only(make_rig: Callable[..., Rig], tmp_path: Path) -> None:
    rig = make_rig()
    with rig.db.session() as s:
        save_draft(s, ACTOR, 1, STRAIGHT_TO_QUEUE)
        publish(s, ACTOR, 1)
    agent, sup = rig.agents["1001"], rig.agents["2001"]
    tone = str(SCENARIOS / "uas_tone.xml")
    agent_phone = rig.phone("1001", scenario=tone, cwd=tone_dir(tmp_path / "agent", 1000))
    sup_phone = rig.phone("2001", scenario=tone, cwd=tone_dir(tmp_path / "sup", 1700))
    rig.do(lambda: rig.center.control.login(agent))
    caller = Sipp(
        str(SCENARIOS / "uac_long.xml"),
        rig.et.port,
        args=["-s", "12345", "-m", "1", "-rtp_echo", "-mp", str(free_port("127.0.0.2"))],
        cwd=tmp_path,
    ).start()
    rig.procs.append(caller)
    rig.wait(lambda: rig.center.acd.agents[agent].state.value == "talking", what="agent talking")
    heard: dict[str, list[tuple[float, bytes]]] = {"caller": [], "agent": []}

    def tap_caller() -> None:
        live = next(iter(rig.center.live.values()))
        assert live.caller_leg is not None
        live.caller_leg.audio_taps.append(
            lambda _leg, pkt: heard["caller"].append((time.monotonic(), pkt.payload))
        )

    rig.do(tap_caller)
    rig.do(lambda: rig.center.control.supervise(sup, agent, "whisper"))

    def tap_agent() -> None:
        live = next(iter(rig.center.live.values()))
        assert live.agent_leg is not None
        part = live.call.mixer.people[live.agent_leg.id]
        inner = part.send

        def capture(data: bytes, pt: int) -> None:
            heard["agent"].append((time.monotonic(), data))
            inner(data, pt)

        part.send = capture

    rig.do(tap_agent)
    start = time.monotonic()
    time.sleep(1.8)
    assert caller.wait(30) == 0, caller.output

    def window(who: str) -> Any:
        return g711.ulaw_decode(b"".join(p for t, p in heard[who] if start + 0.3 <= t <= start + 1.5))

    to_caller, to_agent = window("caller"), window("agent")
    assert len(to_caller) > 4000 and len(to_agent) > 4000
    assert band(to_caller, 1000) > 1000 * band(to_caller, 1700)  # the agent, never the whisper
    assert band(to_agent, 1700) > 0.5 * band(to_agent, 1000)  # the agent hears the supervisor
    del agent_phone, sup_phone
