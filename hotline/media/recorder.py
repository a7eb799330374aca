"""Whole-call recording: a stereo 8 kHz 16-bit WAV, caller on the left, agent on the right.

Audio of each party is placed by arrival time so the two channels stay aligned across jitter, holds
and silence (a frame arriving within 200 ms of where its channel left off is appended contiguously;
after a longer gap the channel jumps to the wall-clock position). Prompts the hotline plays to the
caller are mixed into the right channel at their wall-clock position (``mix``). Finished one-second blocks are
flushed to ``NAME.wav.part`` as the call goes on, so memory stays bounded on long calls; ``close``
patches the RIFF sizes, fsyncs and atomically renames to ``NAME.wav``, then writes ``NAME.json``
metadata the same way. A crash therefore leaves at most a ``.part`` file, never a truncated ``.wav``.

A recording never takes its call down: a write that fails (disk full, the folder gone) stops the
recording there (``failed`` says why, the audio it has is kept, ``on_failure`` is told once), and
``close`` finishes what it can, returning None when there is no usable file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
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
    def __init__(
        self,
        path: Path,
        metadata: dict[str, Any] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.metadata = dict(metadata or {})
        self.on_failure = on_failure
        self.failed: str | None = None
        self.t0 = time.monotonic()
        self.started_at = time.time()
        self._blocks: dict[int, npt.NDArray[np.int16]] = {}
        self._flushed = 0  # blocks written
        self._cursor = [0, 0]
        self._mix_cursor = -_BLOCK  # where the last mixed-in frame ended (the file lasts that long)
        self.closed = False
        self._file: IO[bytes] | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Unbuffered: a block a second is one write, and a failed one fails there and then,
            # with nothing half-kept in a buffer.
            self._file = open(self.part, "wb", buffering=0)  # noqa: SIM115 - open for the call
            self._put(_wav_header(0))
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        """Stop recording after a failed write; the call goes on without it."""
        if self.failed is not None:
            return
        self.failed = exc.strerror or type(exc).__name__
        log.error("recording %s stopped: %s", self.path.name, self.failed)
        self._blocks.clear()
        if self.on_failure is not None:
            try:
                self.on_failure(self.failed)
            except Exception:
                log.exception("recording failure hook failed")

    def feed(self, channel: int, pcm: npt.NDArray[np.int16], now: float | None = None) -> None:
        if self.closed or self.failed is not None or len(pcm) == 0:
            return
        clock = int(((now if now is not None else time.monotonic()) - self.t0) * RATE)
        pos = self._cursor[channel]
        if abs(clock - len(pcm) - pos) > _SLACK:
            pos = max(0, clock - len(pcm))
        pos = max(pos, self._flushed * _BLOCK)
        self._write(channel, pos, pcm)
        self._cursor[channel] = pos + len(pcm)
        try:
            self._flush_until(clock // _BLOCK - _FLUSH_BEHIND)
        except OSError as exc:
            self._fail(exc)

    def mix(self, channel: int, pcm: npt.NDArray[np.int16], now: float | None = None) -> None:
        """Add `pcm` to `channel` (saturating) from where the wall clock says it was sent (heard from
        then on, where a received frame is placed ending at its arrival), or right after the
        previous mixed frame when that is within 200 ms (frames of one prompt are contiguous: a
        seam of a few samples at each 20 ms frame would garble it), leaving the channel's own feed
        and its cursor alone: a prompt the hotline plays over a party's audio."""
        if self.closed or self.failed is not None or len(pcm) == 0:
            return
        clock = int(((now if now is not None else time.monotonic()) - self.t0) * RATE)
        pos = self._mix_cursor
        if abs(clock - pos) > _SLACK:  # a new prompt (or a stall): where the clock says
            pos = clock
        self._mix_cursor = pos + len(pcm)  # a prompt's frames follow each other without a seam
        skip = max(0, self._flushed * _BLOCK - pos)  # what is already on disk stays as it is
        done = skip
        while done < len(pcm):
            idx, off = divmod(pos + done, _BLOCK)
            block = self._blocks.get(idx)
            if block is None:
                block = self._blocks[idx] = np.zeros((_BLOCK, 2), dtype=np.int16)
            n = min(_BLOCK - off, len(pcm) - done)
            total = block[off : off + n, channel].astype(np.int32) + pcm[done : done + n]
            block[off : off + n, channel] = np.clip(total, -32768, 32767)
            done += n
        try:
            self._flush_until(clock // _BLOCK - _FLUSH_BEHIND)
        except OSError as exc:
            self._fail(exc)

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
        assert self._file is not None
        while self._flushed < last:
            block = self._blocks.pop(self._flushed, None)
            self._put((block if block is not None else np.zeros((_BLOCK, 2), np.int16)).tobytes())
            self._flushed += 1

    def _put(self, data: bytes) -> None:
        assert self._file is not None
        view = memoryview(data)
        while view:
            written = self._file.write(view)
            if not written:
                raise OSError(28, os.strerror(28))  # ENOSPC: a short write that made no progress
            view = view[written:]

    def close(self, extra: dict[str, Any] | None = None) -> Path | None:
        """Finish the file: the whole recording, or after a failure what reached the disk. None when
        there is no usable file (the ``.part``, if any, is left for the startup salvage)."""
        if self.closed:
            return None if self.failed is not None and not self.path.exists() else self.path
        self.closed = True
        if self._file is None:
            return None
        try:
            frames = self._finish()
        except OSError as exc:
            self._fail(exc)
            try:
                frames = self._finish_partial()
            except OSError:
                log.error("recording %s left as %s", self.path.name, self.part.name)
                return None
        finally:
            with contextlib.suppress(OSError):
                self._file.close()
        try:
            os.replace(self.part, self.path)
        except OSError as exc:
            log.error("recording %s left as %s: %s", self.path.name, self.part.name, exc.strerror)
            return None
        meta = {
            **self.metadata,
            **(extra or {}),
            "file": self.path.name,
            "channels": {"left": "caller", "right": "agent"},
            "sample_rate": RATE,
            "started_at": self.started_at,
            "duration_seconds": frames / RATE,
        }
        if self.failed is not None:
            meta["incomplete"] = self.failed
        meta_path = self.path.with_suffix(".json")
        tmp = meta_path.with_name(meta_path.name + ".part")
        try:
            tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
            os.replace(tmp, meta_path)
        except OSError as exc:
            log.error("recording %s kept without its metadata: %s", self.path.name, exc.strerror)
            tmp.unlink(missing_ok=True)
        self._blocks.clear()
        return self.path

    def _finish(self) -> int:
        assert self._file is not None
        if self.failed is not None:
            return self._finish_partial()
        end = max(*self._cursor, self._mix_cursor)
        full, rest = divmod(end, _BLOCK)
        self._flush_until(full)
        if rest:
            block = self._blocks.get(full, np.zeros((_BLOCK, 2), np.int16))
            self._put(block[:rest].tobytes())
        frames = max(end, self._flushed * _BLOCK) if rest == 0 else end
        self._seal(frames)
        return frames

    def _finish_partial(self) -> int:
        """After a failed write: keep the blocks known to be on disk, header patched in place (no
        new space needed)."""
        assert self._file is not None
        frames = self._flushed * _BLOCK
        os.ftruncate(self._file.fileno(), 44 + frames * 4)  # drop a half-written block
        self._seal(frames)
        return frames

    def _seal(self, frames: int) -> None:
        assert self._file is not None
        os.pwrite(self._file.fileno(), _wav_header(frames), 0)  # in place: needs no new space
        os.fsync(self._file.fileno())
