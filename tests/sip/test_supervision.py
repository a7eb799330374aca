"""Three-party mixing with a supervisor over real RTP: whisper reaches the agent, never the caller.

The caller (SIPp trunk) runs with ``-rtp_echo``, so every packet the engine sends to the caller comes
straight back: the caller leg's incoming audio *is* what the caller heard. The agent phone streams
1000 Hz, the supervisor phone 1700 Hz (not a harmonic of 1000, so μ-law distortion cannot fake it).
While the supervisor whispers, the caller's audio must carry the agent's tone and no 1700 Hz; the
agent's mix must carry the whisper. After switching to barge the caller hears the supervisor too.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.sip.leg import Leg
from tests.sip.harness import TRUNK_IP, EngineThread, Sipp, free_port
from tests.sip.test_sipp_calls import phone

pytestmark = pytest.mark.timeout(120)


def band(pcm: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    i = round(hz * len(pcm) / 8000)
    return float(spec[i - 2 : i + 3].sum())


def tone_file(folder: Path, hz: float) -> Path:
    folder.mkdir(exist_ok=True)
    t = np.arange(8000 * 8) / 8000
    (folder / "tone.ulaw").write_bytes(g711.ulaw_encode((np.sin(2 * np.pi * hz * t) * 6000).astype(np.int16)))
    return folder


def test_whisper_never_reaches_caller(engine_thread: EngineThread, tmp_path: Path) -> None:
    et = engine_thread
    engine = et.engine
    assert engine is not None
    heard: dict[str, list[tuple[float, bytes]]] = {"caller": [], "agent": []}
    marks: dict[str, float] = {}
    done: list[bool] = []

    async def supervise(leg: Leg) -> None:
        await leg.answer()
        leg.audio_taps.append(lambda _leg, pkt: heard["caller"].append((time.monotonic(), pkt.payload)))
        call = leg.call
        agent = await engine.originate("1001", call=call)
        assert await agent.wait_answered(5)
        call.bridge(leg, agent)
        sup = await engine.originate("1002", call=call)
        assert await sup.wait_answered(5)
        call.start_conference()
        call.join(sup, "supervisor", "whisper")
        assert call.mixer is not None
        part = call.mixer.people[agent.id]
        inner = part.send

        def capture(data: bytes, pt: int) -> None:
            heard["agent"].append((time.monotonic(), data))
            inner(data, pt)

        part.send = capture
        marks["whisper"] = time.monotonic()
        await asyncio.sleep(2.0)
        call.set_mode(sup, "barge")
        marks["barge"] = time.monotonic()
        done.append(True)

    engine.on_inbound = supervise
    try:
        agent_phone = phone(et, "uas_tone.xml", ext="1001", cwd=tone_file(tmp_path / "agent", 1000))
        sup_phone = phone(et, "uas_tone.xml", ext="1002", cwd=tone_file(tmp_path / "sup", 1700))
        caller = Sipp(
            "uac_long.xml",
            et.port,
            args=["-s", "500", "-m", "1", "-rtp_echo", "-mp", str(free_port(TRUNK_IP))],
        )
        assert caller.run(40) == 0, caller.output
        assert et.wait_for(lambda: bool(done), 5)
    finally:
        engine.on_inbound = None
        for p in (agent_phone, sup_phone):
            p.kill()

    def window(who: str, start: float, seconds: float) -> np.ndarray:
        data = b"".join(p for t, p in heard[who] if start + 0.3 <= t <= start + 0.3 + seconds)
        return g711.ulaw_decode(data)

    caller_whisper = window("caller", marks["whisper"], 1.2)
    agent_whisper = window("agent", marks["whisper"], 1.2)
    caller_barge = window("caller", marks["barge"], 1.2)
    assert len(caller_whisper) > 4000 and len(agent_whisper) > 4000 and len(caller_barge) > 4000
    assert band(caller_whisper, 1000) > 1000 * band(caller_whisper, 1700)  # agent yes, whisper no
    assert band(agent_whisper, 1700) > 0.5 * band(agent_whisper, 1000)  # the agent hears the whisper
    assert band(caller_barge, 1700) > 0.5 * band(caller_barge, 1000)  # barge: now the caller hears it
