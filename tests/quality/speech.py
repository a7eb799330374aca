"""Test audio with known speech: espeak-ng phrases placed at chosen offsets on each channel of an
8 kHz stereo WAV like the recorder's, plus the truth (where each phrase is audible)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

RATE = 8000
Placement = tuple[str, float, str]  # (channel "caller"|"agent", offset seconds, text)


def need_espeak() -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to make speech")


def phrase(text: str, tmp: Path, voice: str = "zh") -> npt.NDArray[np.int16]:
    """The phrase at 8 kHz, its leading and trailing silence trimmed."""
    raw, out = tmp / "espeak.wav", tmp / "phrase.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "200", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", "-v", "0.6", str(raw), "-r", str(RATE), "-b", "16", "-c", "1", str(out)], check=True
    )
    with wave.open(str(out), "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > 300)
    return x[loud[0] : loud[-1] + 1].astype(np.int16)


def stereo(
    placements: list[Placement], duration: float, tmp: Path, noise_dbfs: float = -60.0, seed: int = 7
) -> tuple[npt.NDArray[np.int16], dict[str, list[tuple[float, float]]]]:
    """Samples (n, 2) with each phrase at its offset over faint noise, and the true speech spans."""
    rng = np.random.default_rng(seed)
    n = int(duration * RATE)
    level = 32768 * 10 ** (noise_dbfs / 20)
    out = rng.normal(0, level, size=(n, 2))
    truth: dict[str, list[tuple[float, float]]] = {"caller": [], "agent": []}
    cache: dict[str, npt.NDArray[np.int16]] = {}
    for channel, offset, text in placements:
        clip = cache.get(text)
        if clip is None:
            clip = cache[text] = phrase(text, tmp)
        start = int(offset * RATE)
        column = 0 if channel == "caller" else 1
        out[start : start + len(clip), column] += clip
        truth[channel].append((offset, offset + len(clip) / RATE))
    return np.clip(out, -32768, 32767).astype(np.int16), truth


def write(path: Path, samples: npt.NDArray[np.int16]) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype("<i2").tobytes())
    return path
