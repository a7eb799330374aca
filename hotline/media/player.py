"""Prompt playback and music on hold: WAV files to paced 20 ms RTP frames.

Prompts are WAV files in 8 kHz μ-law (format 7), A-law (format 6) or 16-bit PCM (format 1); other
rates are resampled and stereo is folded to mono so a mis-exported file still plays. Each file is
decoded once and its encoded payload cached per codec (keyed by path and mtime, so replacing a file in
the prompts folder takes effect without a restart). Sending is paced against the loop clock, not by
sleeping 20 ms per frame, so scheduling delays do not accumulate into drift.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hotline.media import g711
from hotline.media.rtp import RtpSession

FRAME = 160  # 20 ms at 8 kHz


class WavError(ValueError):
    """The file is not a WAV we can play."""


def load_wav(path: Path) -> npt.NDArray[np.int16]:
    """Mono 8 kHz int16 samples of a WAV file."""
    data = path.read_bytes()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError(f"{path} is not a RIFF/WAVE file")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    body: bytes | None = None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunk = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", chunk[:8])
            bits = struct.unpack("<H", chunk[14:16])[0]
            if tag == 0xFFFE and len(chunk) >= 26:
                tag = struct.unpack("<H", chunk[24:26])[0]  # WAVE_FORMAT_EXTENSIBLE sub-format
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            body = chunk
        pos += 8 + size + (size & 1)
    if fmt is None or body is None:
        raise WavError(f"{path}: missing fmt or data chunk")
    tag, channels, rate, bits = fmt
    if tag == 1 and bits == 16:
        pcm = np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2").astype(np.int16)
    elif tag == 7 and bits == 8:
        pcm = g711.ulaw_decode(body)
    elif tag == 6 and bits == 8:
        pcm = g711.alaw_decode(body)
    else:
        raise WavError(f"{path}: unsupported WAV format {tag}/{bits} bit")
    if channels > 1:
        pcm = pcm[: len(pcm) // channels * channels].reshape(-1, channels).mean(axis=1).astype(np.int16)
    if rate != 8000 and len(pcm):
        n = int(len(pcm) * 8000 / rate)
        pcm = np.interp(np.arange(n) * rate / 8000, np.arange(len(pcm)), pcm).astype(np.int16)
    return pcm


class PromptCache:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, float, int], bytes] = {}

    def encoded(self, path: Path, pt: int) -> bytes:
        key = (str(path), path.stat().st_mtime, pt)
        data = self._cache.get(key)
        if data is None:
            data = self._cache[key] = g711.encode(load_wav(path), pt)
        return data

    def encoded_pcm(self, name: str, pcm: npt.NDArray[np.int16], pt: int) -> bytes:
        key = (name, 0.0, pt)
        data = self._cache.get(key)
        if data is None:
            data = self._cache[key] = g711.encode(pcm, pt)
        return data


def music_on_hold_pcm(seconds: float = 8.0) -> npt.NDArray[np.int16]:
    """A gentle built-in melody (pentatonic, soft attack) used when no moh.wav is installed."""
    notes = [392.0, 440.0, 523.25, 587.33, 523.25, 440.0, 392.0, 329.63]
    per = int(8000 * seconds / len(notes))
    t = np.arange(per) / 8000
    env = np.minimum(1.0, np.minimum(t / 0.05, (t[-1] - t) / 0.2 + 0.0))
    parts = [(np.sin(2 * np.pi * f * t) * env * 3000) for f in notes]
    return np.concatenate(parts).astype(np.int16)


async def play_payload(
    session: RtpSession,
    payload: bytes,
    pt: int,
    *,
    loop_forever: bool = False,
    sent: Callable[[bytes], None] | None = None,
) -> None:
    """Send ``payload`` (already encoded) as 20 ms frames; cancel the task to stop early. ``sent``
    sees each frame as it goes out (the call's recorder keeps what the caller heard)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    first = True
    while True:
        for off in range(0, len(payload), FRAME):
            frame = payload[off : off + FRAME]
            if len(frame) < FRAME:
                frame = frame + bytes([g711.ALAW_SILENCE if pt == 8 else g711.ULAW_SILENCE]) * (
                    FRAME - len(frame)
                )
            session.send(frame, pt, marker=first)
            if sent is not None:
                sent(frame)
            first = False
            n += 1
            delay = start + n * 0.02 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:
                start = loop.time() - n * 0.02  # we fell far behind (loop stall): re-anchor, don't burst
        if not loop_forever or not payload:
            return
