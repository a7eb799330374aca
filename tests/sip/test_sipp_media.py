"""Media through the engine with SIPp: an RTP tone reaches the far side, RFC 4733 DTMF is detected.

RTP: the trunk SIPp streams a 1 kHz μ-law tone; the phone SIPp echoes every RTP packet it receives
(``-rtp_echo``). Audio coming back on the engine's outbound leg can only have come from the far side,
so finding 1 kHz there (FFT) shows the relay delivered the caller's audio to the phone.
DTMF: SIPp plays its own RFC 4733 captures (digits 1 2 5 9 * # 0, each with a triple end packet);
the engine must report each digit exactly once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.media.rtp import RtpPacket
from hotline.sip.leg import Leg
from tests.sip.harness import PHONE_IP, EngineThread, Sipp, free_port
from tests.sip.test_sipp_calls import phone

pytestmark = pytest.mark.timeout(120)


def dominant_hz(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.argmax(spectrum[5:]) + 5) * 8000 / len(pcm)


def test_rtp_reaches_far_side(engine_thread: EngineThread, tmp_path: Path) -> None:
    et = engine_thread
    assert et.engine is not None
    t = np.arange(8000 * 3) / 8000
    (tmp_path / "tone.ulaw").write_bytes(
        g711.ulaw_encode((np.sin(2 * np.pi * 1000 * t) * 8000).astype(np.int16))
    )
    received: dict[str, list[bytes]] = {"inbound": [], "outbound": []}

    def tap(leg: Leg, pkt: RtpPacket) -> None:
        received[leg.direction].append(pkt.payload)

    def attach(event: object) -> None:
        for call in et.engine.calls.values() if et.engine else []:
            for leg in call.legs:
                if tap not in leg.audio_taps:
                    leg.audio_taps.append(tap)

    unsubscribe = et.bus.subscribe("leg.*", attach)
    try:
        uas = phone(et, "uas_answer.xml", args=["-rtp_echo", "-mp", str(free_port(PHONE_IP))])
        sipp = Sipp("uac_rtp.xml", et.port, args=["-s", "1001", "-m", "1"], cwd=tmp_path)
        assert sipp.run() == 0, sipp.output
        assert uas.wait(20) == 0, uas.output
    finally:
        et.call_soon(unsubscribe)
    et.wait_event("call.ended")
    assert len(received["inbound"]) > 100  # caller -> engine
    echoed = received["outbound"]
    assert len(echoed) > 100, "no audio came back from the far side"
    pcm = g711.ulaw_decode(b"".join(echoed[10:60]))
    assert abs(dominant_hz(pcm) - 1000) < 20


def test_rfc4733_digits_detected_exactly(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    got: list[str] = []

    async def ivr(leg: Leg) -> None:
        await leg.answer()
        got.append(await leg.collect_digits(max_digits=10, timeout=3, terminators=""))

    et.engine.on_inbound = ivr
    try:
        sipp = Sipp("uac_dtmf.xml", et.port, args=["-s", "500", "-m", "1"])
        assert sipp.run() == 0, sipp.output
        assert et.wait_for(lambda: bool(got), 10)
    finally:
        et.engine.on_inbound = None
    assert got == ["1259*#0"]
    dtmf = [e.data["digit"] for e in et.events if e.topic == "leg.digit_received"][-7:]
    assert "".join(dtmf) == "1259*#0"


def test_play_prompt_to_caller(engine_thread: EngineThread, tmp_path: Path) -> None:
    """A prompt WAV (16-bit PCM) is played to a caller: the engine sends paced RTP for its length."""
    et = engine_thread
    assert et.engine is not None
    import wave

    prompt = tmp_path / "hello.wav"
    with wave.open(str(prompt), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(np.arange(8000) / 3) * 5000).astype("<i2").tobytes())
    sent: list[int] = []

    async def ivr(leg: Leg) -> None:
        await leg.answer()
        before = leg.rtp.tx_packets
        t0 = asyncio.get_running_loop().time()
        await leg.play(prompt)
        sent.extend([leg.rtp.tx_packets - before, int((asyncio.get_running_loop().time() - t0) * 1000)])

    et.engine.on_inbound = ivr
    try:
        sipp = Sipp("uac_rtp.xml", et.port, args=["-s", "500", "-m", "1"], cwd=tmp_path)
        (tmp_path / "tone.ulaw").write_bytes(b"\xff" * 8000)
        assert sipp.run() == 0, sipp.output
        assert et.wait_for(lambda: bool(sent), 10)
    finally:
        et.engine.on_inbound = None
    packets, elapsed_ms = sent
    assert packets == 50  # 1 s of audio in 20 ms frames
    assert 900 <= elapsed_ms <= 2500  # paced: never faster than real time


def test_rfc4733_relayed_to_bridged_phone(engine_thread: EngineThread) -> None:
    """Digits from the caller are relayed to the agent's phone as telephone-events: the phone echoes
    them back, so the engine detects the same digits on the agent's leg too."""
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_answer.xml", args=["-rtp_echo", "-mp", str(free_port(PHONE_IP))])
    sipp = Sipp("uac_dtmf.xml", et.port, args=["-s", "1001", "-m", "1"])
    assert sipp.run() == 0, sipp.output
    assert uas.wait(20) == 0, uas.output
    et.wait_event("call.ended")
    by_leg: dict[str, str] = {}
    for e in et.events:
        if e.topic == "leg.digit_received":
            by_leg[e.data["direction"]] = by_leg.get(e.data["direction"], "") + e.data["digit"]
    assert by_leg == {"inbound": "1259*#0", "outbound": "1259*#0"}
