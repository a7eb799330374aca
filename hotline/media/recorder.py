"""Whole-call recording: a stereo 8 kHz 16-bit WAV, caller on the left, agent on the right.

Audio of each party is placed by arrival time so the two channels stay aligned across jitter, holds
and silence (a frame arriving within 200 ms of where its channel left off is appended contiguously;
after a longer gap the channel jumps to the wall-clock position). Finished one-second blocks are
flushed to ``NAME.wav.part`` as the call goes on, so memory stays bounded on long calls; ``close``
patches the RIFF sizes, fsyncs and atomically renames to ``NAME.wav``, then writes ``NAME.json``
metadata the same way. A crash therefore leaves at most a ``.part`` file, never a truncated ``.wav``.
"""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

RATE = 8000
_BLOCK = RATE
_SLACK = 1600  # 200 ms
_FLUSH_BEHIND = 3


def _wav_header(frames: int) -> bytes:
    data = frames * 4
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 2, RATE, RATE * 4, 4, 16)
        + b"data"
        + struct.pack("<I", data)
    )


class Recorder:
    def __init__(self, path: Path, metadata: dict[str, Any] | None = None) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.metadata = dict(metadata or {})
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.part, "wb")  # noqa: SIM115 - kept open for the call's lifetime
        self._file.write(_wav_header(0))
        self.t0 = time.monotonic()
        self.started_at = time.time()
        self._blocks: dict[int, npt.NDArray[np.int16]] = {}
        self._flushed = 0  # blocks written
        self._cursor = [0, 0]
        self.closed = False

    def feed(self, channel: int, pcm: npt.NDArray[np.int16], now: float | None = None) -> None:
        if self.closed or len(pcm) == 0:
            return
        clock = int(((now if now is not None else time.monotonic()) - self.t0) * RATE)
        pos = self._cursor[channel]
        if abs(clock - len(pcm) - pos) > _SLACK:
            pos = max(0, clock - len(pcm))
        pos = max(pos, self._flushed * _BLOCK)
        self._write(channel, pos, pcm)
        self._cursor[channel] = pos + len(pcm)
        self._flush_until(clock // _BLOCK - _FLUSH_BEHIND)

    def _write(self, channel: int, pos: int, pcm: npt.NDArray[np.int16]) -> None:
        done = 0
        while done < len(pcm):
            idx, off = divmod(pos + done, _BLOCK)
            block = self._blocks.get(idx)
            if block is None:
                block = self._blocks[idx] = np.zeros((_BLOCK, 2), dtype=np.int16)
            n = min(_BLOCK - off, len(pcm) - done)
            block[off : off + n, channel] = pcm[done : done + n]
            done += n

    def _flush_until(self, last: int) -> None:
        while self._flushed < last:
            block = self._blocks.pop(self._flushed, None)
            self._file.write((block if block is not None else np.zeros((_BLOCK, 2), np.int16)).tobytes())
            self._flushed += 1

    def close(self, extra: dict[str, Any] | None = None) -> Path:
        if self.closed:
            return self.path
        self.closed = True
        end = max(self._cursor)
        full, rest = divmod(end, _BLOCK)
        self._flush_until(full)
        if rest:
            block = self._blocks.get(full, np.zeros((_BLOCK, 2), np.int16))
            self._file.write(block[:rest].tobytes())
        frames = max(end, self._flushed * _BLOCK) if rest == 0 else end
        self._file.seek(0)
        self._file.write(_wav_header(frames))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.part, self.path)
        meta = {
            **self.metadata,
            **(extra or {}),
            "file": self.path.name,
            "channels": {"left": "caller", "right": "agent"},
            "sample_rate": RATE,
            "started_at": self.started_at,
            "duration_seconds": frames / RATE,
        }
        meta_path = self.path.with_suffix(".json")
        tmp = meta_path.with_name(meta_path.name + ".part")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
        os.replace(tmp, meta_path)
        self._blocks.clear()
        return self.path
