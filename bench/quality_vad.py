"""Automatic quality checks on one hour of stereo call audio: CPU time and accuracy.

An hour-long 8 kHz stereo WAV like the recorder's is built from espeak-ng phrases taking turns on
the caller (left) and agent (right) channels over noise, with some talk-over and long pauses; the
truth is where each phrase was placed. `checks.measure` (read the WAV, VAD per channel, loudness,
figures) runs on it, timed with process CPU time (the target: < 5 s).

Run: .venv/bin/python -m bench.quality_vad [noise dBFS, default -50]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hotline.quality.audio import smooth
from hotline.quality.checks import measure
from tests.quality.speech import stereo, write

PHRASES = {
    "agent": ["您好，请问有什么可以帮您", "好的请稍等", "已经查到了", "还有别的问题吗", "感谢您的来电"],
    "caller": ["我想问养老金", "谢谢", "什么时候发放", "好的", "我家老人行动不便"],
}
HOUR = 3600.0


def script(seed: int = 3) -> list[tuple[str, float, str]]:
    rng = np.random.default_rng(seed)
    out: list[tuple[str, float, str]] = []
    at, who = 1.0, "agent"
    while at < HOUR - 10:
        text = PHRASES[who][int(rng.integers(len(PHRASES[who])))]
        out.append((who, round(at, 2), text))
        roll = rng.random()
        if roll < 0.1:
            at += 0.8  # the other party cuts in (talk-over)
        elif roll < 0.15:
            at += 9.0  # a long pause
        else:
            at += 2.5 + float(rng.random()) * 1.5
        who = "caller" if who == "agent" else "agent"
    return out


def agreement(found: list[list[float]], truth: list[tuple[float, float]], duration: float) -> float:
    t = np.arange(0, duration, 0.01)
    f = np.zeros(len(t), dtype=bool)
    g = np.zeros(len(t), dtype=bool)
    for s, e in found:
        f[int(s * 100) : int(e * 100)] = True
    for s, e in truth:
        g[int(s * 100) : int(e * 100)] = True
    return float(np.mean(f == g))


def main() -> None:
    noise = float(sys.argv[1]) if len(sys.argv) > 1 else -50.0
    work = Path(tempfile.mkdtemp(prefix="quality-vad-"))
    placements = script()
    samples, truth = stereo(placements, HOUR, work, noise_dbfs=noise)
    path = write(work / "hour.wav", samples)
    best = float("inf")
    for _ in range(3):
        cpu = time.process_time()
        status, _, metrics, segments = measure(path, [])
        best = min(best, time.process_time() - cpu)
    assert status == "ok"
    print(f"noise {noise} dBFS, {len(placements)} phrases, file {path.stat().st_size / 1e6:.0f} MB")
    print(f"CPU for 1 h stereo (best of 3): {best:.2f} s")
    for ch in ("caller", "agent"):
        truth[ch] = smooth(sorted(truth[ch]), 0.3, 0.0)  # phrases closer than the VAD's merge gap are one
        a = agreement(segments[ch], truth[ch], HOUR)
        print(
            f"{ch}: {len(segments[ch])} segments found, {len(truth[ch])} true "
            f"(merged as the VAD merges), frame agreement {a:.4f}"
        )
    print(
        f"talk ratio {metrics['talk_ratio']}, talk-over {metrics['talk_over']} s "
        f"in {metrics['talk_over_count']}, "
        f"silences > 5 s: {len(metrics['silences'])}"
    )


if __name__ == "__main__":
    main()
