"""Speech segments and loudness of a stereo call recording, from the audio alone (no ASR).

The recorder writes 8 kHz 16-bit stereo WAVs, caller on the left and agent on the right
(`hotline/media/recorder.py`), so each party's speech is found on its own channel with WebRTC's
VAD (`webrtcvad`, 30 ms frames). Frames far below speech level are skipped without asking the
VAD (a numpy energy gate): most of a channel is the other party talking or silence, and this
keeps an hour of stereo audio to about a second of CPU (bench/quality_vad.py). Raw VAD decisions
flicker inside words, so runs closer than `merge_gap` are joined and blips shorter than
`min_segment` dropped. Loudness is the RMS level of each 0.5 s window in dBFS; windows at or
above `loud_dbfs` are the "peaks" (a shouting proxy).

`analyse(path)` raises `BadAudio` for anything that is not such a WAV (truncated header, other
format): the caller records the file as corrupt and goes on.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import webrtcvad

RATE = 8000
FRAME_MS = 30
FRAME = RATE * FRAME_MS // 1000  # samples per VAD frame
CHANNELS = ("caller", "agent")

Segment = tuple[float, float]  # (start, end) seconds from the start of the recording


class BadAudio(Exception):
    """The file is not a readable 8 kHz 16-bit WAV (mono or stereo)."""


@dataclass(frozen=True)
class AudioParams:
    vad_mode: int = 2  # 0 (lenient) .. 3 (strict)
    gate_dbfs: float = -55.0  # frames below this never reach the VAD
    merge_gap: float = 0.3  # seconds: pauses inside a sentence
    min_segment: float = 0.15  # seconds: shorter blips are clicks, not speech
    loud_window: float = 0.5
    loud_dbfs: float = -10.0


@dataclass(frozen=True)
class ChannelAudio:
    segments: list[Segment]
    peaks: list[tuple[float, float]]  # (start second, dBFS) of each loud window
    max_dbfs: float


@dataclass(frozen=True)
class AudioAnalysis:
    duration: float
    channels: dict[str, ChannelAudio]


def read_wav(path: Path) -> npt.NDArray[np.int16]:
    """Samples as an (n, 2) int16 array; a mono file becomes a caller-only recording."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getframerate() != RATE or w.getnchannels() not in (1, 2):
                raise BadAudio(
                    f"unsupported format: {w.getnchannels()} ch, {w.getsampwidth() * 8} bit, "
                    f"{w.getframerate()} Hz"
                )
            channels = w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise BadAudio(f"unreadable WAV: {exc}") from exc
    usable = len(raw) // (2 * channels) * (2 * channels)
    data = np.frombuffer(raw[:usable], dtype="<i2").astype(np.int16)
    if channels == 1:
        return np.stack([data, np.zeros_like(data)], axis=1)
    return data.reshape(-1, 2)


def _frame_levels(x: npt.NDArray[np.int16], size: int) -> npt.NDArray[np.float64]:
    """RMS level in dBFS of consecutive `size`-sample frames (the tail shorter than a frame dropped)."""
    n = len(x) // size
    if n == 0:
        return np.zeros(0)
    frames = x[: n * size].astype(np.float64).reshape(n, size)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    return np.asarray(20.0 * np.log10(np.maximum(rms, 1e-9) / 32768.0))


def _runs(flags: npt.NDArray[np.bool_], step: float) -> list[Segment]:
    """(start, end) seconds of each run of True in per-frame flags."""
    if not flags.any():
        return []
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(float(s) * step, float(e) * step) for s, e in zip(starts, ends, strict=True)]


def smooth(segments: list[Segment], merge_gap: float, min_segment: float) -> list[Segment]:
    merged: list[Segment] = []
    for start, end in segments:
        if merged and start - merged[-1][1] <= merge_gap:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return [(round(s, 3), round(e, 3)) for s, e in merged if e - s >= min_segment]


def speech_segments(x: npt.NDArray[np.int16], params: AudioParams, vad: webrtcvad.Vad) -> list[Segment]:
    levels = _frame_levels(x, FRAME)
    flags = np.zeros(len(levels), dtype=bool)
    pcm = x[: len(levels) * FRAME].astype("<i2").tobytes()
    width = FRAME * 2
    is_speech = vad.is_speech
    for i in np.flatnonzero(levels >= params.gate_dbfs):
        flags[i] = is_speech(pcm[i * width : (i + 1) * width], RATE)
    return smooth(_runs(flags, FRAME / RATE), params.merge_gap, params.min_segment)


def loud_peaks(x: npt.NDArray[np.int16], params: AudioParams) -> tuple[list[tuple[float, float]], float]:
    size = int(RATE * params.loud_window)
    levels = _frame_levels(x, size)
    if len(levels) == 0:
        return [], -120.0
    idx = np.flatnonzero(levels >= params.loud_dbfs)
    peaks = [(round(float(i) * params.loud_window, 3), round(float(levels[i]), 1)) for i in idx]
    return peaks, round(float(levels.max()), 1)


def analyse_samples(samples: npt.NDArray[np.int16], params: AudioParams | None = None) -> AudioAnalysis:
    params = params or AudioParams()
    vad = webrtcvad.Vad(params.vad_mode)
    channels: dict[str, ChannelAudio] = {}
    for index, name in enumerate(CHANNELS):
        x = np.ascontiguousarray(samples[:, index])
        peaks, top = loud_peaks(x, params)
        channels[name] = ChannelAudio(speech_segments(x, params, vad), peaks, top)
    return AudioAnalysis(duration=round(len(samples) / RATE, 3), channels=channels)


def analyse(path: Path, params: AudioParams | None = None) -> AudioAnalysis:
    return analyse_samples(read_wav(path), params)
