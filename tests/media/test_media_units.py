"""DTMF dedupe, mixer audibility (whisper never reaches the caller), recorder safety, WAV loading, RTP."""

from __future__ import annotations

import asyncio
import json
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.media.dtmf import DtmfDetector, parse_dtmf_info
from hotline.media.mixer import Mixer, Participant
from hotline.media.player import PromptCache, WavError, load_wav
from hotline.media.recorder import Recorder
from hotline.media.rtp import PortAllocator, RtpPacket, RtpSession, parse_rtp


def ev(event: int, end: bool, duration: int) -> bytes:
    return bytes([event, (0x80 if end else 0) | 10]) + struct.pack("!H", duration)


def test_dtmf_end_retransmissions_reported_once() -> None:
    det = DtmfDetector()
    got: list[str] = []
    for d in range(0, 800, 160):
        got += det.feed(1, 1000, ev(5, False, d))
    for _ in range(3):
        got += det.feed(1, 1000, ev(5, True, 960))
    got += det.feed(1, 2000, ev(11, True, 960))
    got += det.feed(1, 2000, ev(11, True, 960))
    assert got == ["5", "#"]


def test_dtmf_lost_end_packets_still_reported() -> None:
    det = DtmfDetector()
    assert det.feed(1, 1000, ev(3, False, 160)) == []
    assert det.feed(1, 2000, ev(4, False, 160)) == ["3"]
    assert det.feed(1, 2000, ev(4, True, 800)) == ["4"]


def test_dtmf_info_bodies() -> None:
    assert parse_dtmf_info(b"Signal=5\r\nDuration=160\r\n", "application/dtmf-relay") == "5"
    assert parse_dtmf_info(b"Signal=#\r\n", "application/dtmf-relay") == "#"
    assert parse_dtmf_info(b"Signal=11\r\n", "application/dtmf-relay") == "#"
    assert parse_dtmf_info(b"7", "application/dtmf") == "7"
    assert parse_dtmf_info(b"Signal=xyz", "application/dtmf-relay") is None


def tone(hz: float, n: int = 160, amp: int = 6000) -> np.ndarray:
    return (np.sin(2 * np.pi * hz * np.arange(n) / 8000) * amp).astype(np.int16)


def energy_at(pcm: np.ndarray, hz: float) -> float:
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(spec[round(hz * len(pcm) / 8000)])


def test_whisper_reaches_agent_never_caller() -> None:
    sent: dict[str, list[bytes]] = {"caller": [], "agent": [], "sup": []}
    mixer = Mixer()
    for key, role, mode in (
        ("caller", "caller", "full"),
        ("agent", "agent", "full"),
        ("sup", "supervisor", "whisper"),
    ):
        mixer.add(Participant(key, role, lambda data, pt, k=key: sent[k].append(data), 0, mode))
    for _ in range(25):
        mixer.feed("caller", tone(400))
        mixer.feed("agent", tone(1000))
        mixer.feed("sup", tone(2000))
        mixer.tick()
    caller_hears = g711.ulaw_decode(b"".join(sent["caller"]))
    agent_hears = g711.ulaw_decode(b"".join(sent["agent"]))
    sup_hears = g711.ulaw_decode(b"".join(sent["sup"]))
    # whisper (2 kHz) is absent from the caller's audio: only quantisation noise remains there
    assert energy_at(caller_hears, 2000) < 0.01 * energy_at(agent_hears, 2000)
    assert energy_at(caller_hears, 1000) > 100 * energy_at(caller_hears, 2000)
    assert (
        energy_at(agent_hears, 400) > 0 and energy_at(agent_hears, 2000) > energy_at(agent_hears, 1000) * 10
    )
    assert energy_at(sup_hears, 400) > 1000 and energy_at(sup_hears, 1000) > 1000
    # barge: now the caller hears the supervisor too; listen: nobody does
    mixer.set_mode("sup", "barge")
    mixer.feed("sup", tone(2000))
    out = mixer.tick()
    assert energy_at(out["caller"], 2000) > 1000
    mixer.set_mode("sup", "listen")
    mixer.feed("sup", tone(2000))
    out = mixer.tick()
    assert energy_at(out["caller"], 2000) < 1 and energy_at(out["agent"], 2000) < 1
    with pytest.raises(ValueError):
        mixer.set_mode("sup", "shout")


def test_held_participant_is_out_of_the_mix() -> None:
    """A caller put on hold during a supervised call hears only its music (nothing is sent to it by
    the mixer) and nobody hears it; taken off hold it is back in the conversation."""
    sent: dict[str, list[bytes]] = {"caller": [], "agent": [], "sup": []}
    mixer = Mixer()
    for key, role, mode in (
        ("caller", "caller", "full"),
        ("agent", "agent", "full"),
        ("sup", "supervisor", "barge"),
    ):
        mixer.add(Participant(key, role, lambda data, pt, k=key: sent[k].append(data), 0, mode))
    mixer.set_held("caller", True)
    for _ in range(5):
        mixer.feed("caller", tone(400))
        mixer.feed("agent", tone(1000))
        mixer.feed("sup", tone(2000))
        out = mixer.tick()
    assert sent["caller"] == [] and "caller" not in out
    assert energy_at(out["agent"], 400) < 1 and energy_at(out["agent"], 2000) > 1000
    assert energy_at(out["sup"], 400) < 1 and energy_at(out["sup"], 1000) > 1000
    mixer.set_held("caller", False)
    mixer.feed("caller", tone(400))
    mixer.feed("agent", tone(1000))
    out = mixer.tick()
    assert energy_at(out["agent"], 400) > 1000 and energy_at(out["caller"], 1000) > 1000


def test_recorder_stereo_atomic(tmp_path: Path) -> None:
    path = tmp_path / "rec" / "call.wav"
    rec = Recorder(path, {"call_id": "c1"})
    assert rec.part.exists() and not path.exists()
    t0 = rec.t0
    for i in range(250):  # 5 s of audio, both parties, placed by (simulated) arrival time
        now = t0 + (i + 1) * 0.02
        rec.feed(0, tone(400), now)
        rec.feed(1, tone(1200), now + 0.003)
    out = rec.close({"legs": 2})
    assert out == path and path.exists() and not rec.part.exists()
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert abs(len(frames) - 40000) <= 160
    left, right = frames[8000:16000, 0], frames[8000:16000, 1]
    assert energy_at(left, 400) > 100 * energy_at(left, 1200)
    assert energy_at(right, 1200) > 100 * energy_at(right, 400)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["call_id"] == "c1" and meta["channels"] == {"left": "caller", "right": "agent"}
    assert meta["legs"] == 2 and abs(meta["duration_seconds"] - 5.0) < 0.05


def test_recorder_mixes_a_prompt_over_the_agent_channel_at_its_time(tmp_path: Path) -> None:
    """A prompt played to the caller lands on the right channel where it was played, added to the
    agent's voice, and lengthens the file when it outlasts the parties' audio."""
    path = tmp_path / "call.wav"
    rec = Recorder(path)
    t0 = rec.t0
    for i in range(100):  # 2 s: the agent at 400 Hz
        rec.feed(1, tone(400), t0 + (i + 1) * 0.02)
    for i in range(150):  # a 1200 Hz prompt from 1.0 s to 4.0 s (past the agent's audio)
        rec.mix(1, tone(1200), t0 + 1.0 + (i + 1) * 0.02)
    rec.close()
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert abs(len(frames) - 32000) <= 160
    right = frames[:, 1]
    assert energy_at(right[0:8000], 400) > 100 * energy_at(right[0:8000], 1200)  # agent alone
    both = right[8000:16000]
    assert energy_at(both, 400) > 1000 and energy_at(both, 1200) > 1000  # mixed, not replaced
    after = right[16000:32000]
    assert energy_at(after, 1200) > 100 * energy_at(after, 400)  # the prompt alone
    assert not frames[:, 0].any()  # the caller's channel is untouched


def test_recorder_keeps_a_prompts_frames_seamless_when_they_are_sent_late_or_early(tmp_path: Path) -> None:
    """Frames of one prompt sent with scheduling jitter (±5 ms) still follow each other sample for
    sample in the recording: a seam at every frame would garble speech."""
    path = tmp_path / "call.wav"
    rec = Recorder(path)
    rng = np.random.default_rng(7)
    speech = rng.integers(-8000, 8000, 160 * 100).astype(np.int16)  # 2 s of noise, like speech
    for i in range(100):
        jitter = float(rng.uniform(-0.005, 0.005))
        rec.mix(1, speech[i * 160 : (i + 1) * 160], rec.t0 + 0.5 + i * 0.02 + jitter)
    rec.close()
    with wave.open(str(path)) as w:
        right = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, 1]
    start = int(np.flatnonzero(right)[0])
    assert abs(start - 4000) <= 40  # where the first frame was sent
    assert np.array_equal(right[start : start + len(speech)], speech)


def _write_wav(path: Path, tag: int, bits: int, data: bytes, rate: int = 8000, channels: int = 1) -> None:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_load_wav_formats_and_cache(tmp_path: Path) -> None:
    pcm = tone(500, 800)
    _write_wav(tmp_path / "pcm.wav", 1, 16, pcm.astype("<i2").tobytes())
    _write_wav(tmp_path / "ulaw.wav", 7, 8, g711.ulaw_encode(pcm))
    _write_wav(tmp_path / "alaw.wav", 6, 8, g711.alaw_encode(pcm))
    _write_wav(tmp_path / "16k.wav", 1, 16, tone(500, 1600, 6000).astype("<i2").tobytes(), rate=16000)
    assert np.array_equal(load_wav(tmp_path / "pcm.wav"), pcm)
    assert np.array_equal(load_wav(tmp_path / "ulaw.wav"), g711.ulaw_decode(g711.ulaw_encode(pcm)))
    assert np.array_equal(load_wav(tmp_path / "alaw.wav"), g711.alaw_decode(g711.alaw_encode(pcm)))
    assert len(load_wav(tmp_path / "16k.wav")) == 800
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(WavError):
        load_wav(tmp_path / "bad.wav")
    cache = PromptCache()
    first = cache.encoded(tmp_path / "pcm.wav", 8)
    assert cache.encoded(tmp_path / "pcm.wav", 8) is first  # converted once


def test_rtp_parse_and_jitter_handling() -> None:
    assert parse_rtp(b"\x00" * 12) is None
    assert parse_rtp(b"\x80\x00") is None

    async def run() -> list[int]:
        ports = PortAllocator(41000, 41998)
        sessions = []
        while len(sessions) < 2:  # skip ports another process on this box may hold
            session = RtpSession("127.0.0.1", ports.take())
            try:
                await session.open()
            except OSError:
                continue
            sessions.append(session)
        a, b = sessions
        got: list[int] = []
        b.on_packet = lambda p: got.append(p.seq)
        a.expect(("127.0.0.1", b.port))
        b.expect(("127.0.0.1", a.port))
        hdr = struct.Struct("!BBHII")
        assert a.transport is not None
        # out of order across the 16-bit wrap, a duplicate, then a packet far too late to use
        for seq in (65533, 65535, 65534, 65535, 0, 1, 64000):
            a.transport.sendto(
                hdr.pack(0x80, 0, seq, seq * 160 & 0xFFFFFFFF, 42) + b"\xff" * 160, ("127.0.0.1", b.port)
            )
        await asyncio.sleep(0.2)
        a.close()
        b.close()
        assert b.rx_dropped == 2
        return got

    assert asyncio.run(run()) == [65533, 65535, 65534, 0, 1]


def test_relay_keeps_gaps_and_rebases() -> None:
    session = RtpSession("127.0.0.1", 0)
    session.seq, session.ts = 1000, 5000
    session.send(b"\xff" * 160, 0)
    assert (session.seq, session.ts) == (1001, 5160)
    session.relay(RtpPacket(0, 7, 700, 9, False, b"\xff" * 160))
    assert session.seq == 1002
    session.relay(RtpPacket(0, 9, 1020, 9, False, b"\xff" * 160))  # one lost packet: the gap is kept
    assert session.seq == 1004 and session.ts == 5160 + 320 + 160
