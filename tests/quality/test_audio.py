"""The VAD against speech at known places: espeak-ng phrases on both channels, faint or louder
noise around them; every true phrase is found within 0.15 s at each end, nothing else is, and
the figures (talk ratio, talk-over, silences, greeting, hold) follow from the truth."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from hotline.quality.audio import BadAudio, analyse, analyse_samples, smooth
from hotline.quality.metrics import compute, hold_periods, intersect, union
from tests.quality.speech import need_espeak, stereo, write

PLACEMENTS = [
    ("agent", 1.0, "您好，请问有什么可以帮您"),
    ("caller", 5.5, "我想问养老金"),
    ("agent", 8.0, "好的请稍等"),
    ("caller", 9.0, "谢谢"),  # talks over the agent
    ("agent", 25.0, "已经查到了"),
    ("caller", 27.5, "好的"),
]
DURATION = 30.0
TOLERANCE = 0.15  # seconds at each end of a phrase (measured: <= 0.04 s faint noise, <= 0.11 s at -42 dBFS)


def frame_agreement(
    found: list[tuple[float, float]], truth: list[tuple[float, float]], duration: float
) -> float:
    step = 0.01
    t = np.arange(0, duration, step)

    def mask(segs: list[tuple[float, float]]) -> np.ndarray:
        m = np.zeros(len(t), dtype=bool)
        for s, e in segs:
            m |= (t >= s) & (t < e)
        return m

    return float(np.mean(mask(found) == mask(truth)))


@pytest.mark.parametrize("noise_dbfs", [-60.0, -42.0])
def test_segments_match_known_speech(tmp_path: Path, noise_dbfs: float) -> None:
    need_espeak()
    samples, truth = stereo(PLACEMENTS, DURATION, tmp_path, noise_dbfs=noise_dbfs)
    result = analyse(write(tmp_path / "call.wav", samples))
    assert result.duration == DURATION
    for channel in ("caller", "agent"):
        found = result.channels[channel].segments
        assert len(found) == len(truth[channel]), (channel, found, truth[channel])
        for (fs, fe), (ts, te) in zip(found, truth[channel], strict=True):
            assert abs(fs - ts) <= TOLERANCE and abs(fe - te) <= TOLERANCE, (channel, found, truth[channel])
        assert frame_agreement(found, truth[channel], DURATION) >= 0.98


def test_figures_follow_from_the_speech(tmp_path: Path) -> None:
    need_espeak()
    samples, truth = stereo(PLACEMENTS, DURATION, tmp_path)
    marks = [(12.0, "hold"), (18.0, "unhold")]
    m = compute(analyse_samples(samples), marks)
    agent_true = sum(e - s for s, e in truth["agent"])
    caller_true = sum(e - s for s, e in truth["caller"])
    assert m["agent_talk"] == pytest.approx(agent_true, abs=0.3)
    assert m["caller_talk"] == pytest.approx(caller_true, abs=0.3)
    assert m["talk_ratio"] == pytest.approx(agent_true / (agent_true + caller_true), abs=0.02)
    overlap = sum(e - s for s, e in intersect(truth["agent"], truth["caller"]))
    assert m["talk_over"] == pytest.approx(overlap, abs=0.2) and m["talk_over_count"] == 1
    assert m["time_to_greeting"] == pytest.approx(1.0, abs=TOLERANCE)
    assert m["hold_seconds"] == 6.0 and m["holds"] == [(12.0, 18.0)]
    # Nobody speaks from ~9.7 s to the hold (2.3 s: not listed) and from the hold's end to 25 s
    # (7 s: listed); the hold itself is not dead air.
    [(start, end)] = m["silences"]
    assert start == 18.0 and end == pytest.approx(25.0, abs=TOLERANCE) and "long_silence" in m["flags"]
    assert m["agent_loud_windows"] == 0 and m["agent_max_dbfs"] < -10


def test_loud_agent_and_late_greeting(tmp_path: Path) -> None:
    need_espeak()
    samples, _ = stereo([("caller", 0.5, "喂"), ("agent", 7.0, "您好")], 10.0, tmp_path)
    samples[int(7.0 * 8000) : int(9.0 * 8000), 1] = (
        np.sin(np.arange(16000) * 2 * np.pi * 300 / 8000) * 30000
    ).astype(np.int16)
    m = compute(analyse_samples(samples))
    assert {"late_greeting", "loud"} <= set(m["flags"])
    assert m["agent_loud_windows"] >= 3 and m["agent_max_dbfs"] > -10


def test_bad_files(tmp_path: Path) -> None:
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(BadAudio):
        analyse(tmp_path / "junk.wav")
    with wave.open(str(tmp_path / "cd.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\0" * 400)
    with pytest.raises(BadAudio, match="44100"):
        analyse(tmp_path / "cd.wav")
    with pytest.raises(BadAudio):
        analyse(tmp_path / "absent.wav")


def test_silence_only_and_empty() -> None:
    m = compute(analyse_samples(np.zeros((8000 * 8, 2), dtype=np.int16)))
    assert m["talk_ratio"] is None and m["time_to_greeting"] is None
    assert m["silences"] == [(0.0, 8.0)] and set(m["flags"]) == {"long_silence", "no_agent_speech"}
    assert compute(analyse_samples(np.zeros((0, 2), dtype=np.int16)))["duration"] == 0.0


def test_segment_arithmetic() -> None:
    assert smooth([(0.0, 0.3), (0.5, 1.0), (2.0, 2.1)], 0.3, 0.15) == [(0.0, 1.0)]
    assert intersect([(0, 2), (3, 5)], [(1, 4)]) == [(1, 2), (3, 4)]
    assert union([(0, 2)], [(1, 3), (5, 6)]) == [(0, 3), (5, 6)]
    assert hold_periods([(5.0, "hold"), (2.0, "hold"), (4.0, "unhold")], 10.0) == [(2.0, 4.0), (5.0, 10.0)]
