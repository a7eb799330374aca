"""The call-record writer's journal: an append-only, fsync'd, size-bounded file set under the data
folder that holds the writes the database could not take, until they are replayed.

Each writer (one per running call center) appends to its own segments,
`<writer id>.<n>.jsonl`, one JSON object per line: `{"w": writer id, "s": sequence, "op": ...,
"args": ...}` (`hotline.calls.ops.encode`). `append` writes a batch of lines, flushes and fsyncs
before it returns (a new segment also fsyncs the folder), so what it accepted survives a crash of
the process or the machine. The whole folder is bounded by `max_bytes`: an append that would
pass it raises `JournalFull` and writes nothing. Segments roll over at `segment_bytes`, and one
whose last sequence has been applied to the database is deleted (`applied`). `leftovers` reads
the segments other writers left behind (a process that stopped while the database was away); a
torn last line (the crash hit mid-write) is ignored.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SUFFIX = ".jsonl"


class JournalFull(Exception):
    """The journal folder holds `max_bytes` already."""


@dataclass
class _Segment:
    path: Path
    size: int = 0
    last_seq: int = 0


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob(f"*{SUFFIX}") if p.is_file())


class Journal:
    """One writer's segments in `folder` (shared with the segments others left behind)."""

    def __init__(
        self, folder: Path, writer_id: str, max_bytes: int = 64 << 20, segment_bytes: int = 1 << 20
    ) -> None:
        self.folder = folder
        self.writer_id = writer_id
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        folder.mkdir(parents=True, exist_ok=True)
        self.size = _folder_size(folder)  # leftovers count against the bound too
        self._segments: list[_Segment] = []
        self._number = 0

    @property
    def entries_bytes(self) -> int:
        return sum(s.size for s in self._segments)

    def append(self, entries: list[tuple[int, dict[str, Any]]]) -> None:
        """Write `(sequence, encoded write)` pairs durably, in order; all or nothing."""
        if not entries:
            return
        lines = [
            json.dumps({"w": self.writer_id, "s": seq, **data}, ensure_ascii=False, separators=(",", ":"))
            for seq, data in entries
        ]
        blob = ("\n".join(lines) + "\n").encode("utf-8")
        if self.size + len(blob) > self.max_bytes:
            raise JournalFull(f"the journal in {self.folder} holds {self.size} of {self.max_bytes} bytes")
        segment = self._current(len(blob))
        fd = os.open(segment.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            written = os.write(fd, blob)
            if written != len(blob):
                raise OSError(f"short write to {segment.path}: {written} of {len(blob)} bytes")
            os.fsync(fd)
        except OSError:
            # Cut back what part of the batch got in, so the file ends on a whole line.
            os.ftruncate(fd, segment.size)
            raise
        finally:
            os.close(fd)
        segment.size += len(blob)
        segment.last_seq = entries[-1][0]
        self.size += len(blob)

    def _current(self, adding: int) -> _Segment:
        if self._segments and self._segments[-1].size + adding <= self.segment_bytes:
            return self._segments[-1]
        if self._segments and self._segments[-1].size == 0:
            return self._segments[-1]
        self._number += 1
        path = self.folder / f"{self.writer_id}.{self._number:06d}{SUFFIX}"
        path.touch(mode=0o600)
        _fsync_dir(self.folder)  # the new file's name survives a crash too
        segment = _Segment(path)
        self._segments.append(segment)
        return segment

    def applied(self, seq: int) -> None:
        """Everything up to `seq` is in the database: drop the segments that held only that."""
        while self._segments and self._segments[0].last_seq <= seq:
            segment = self._segments.pop(0)
            segment.path.unlink(missing_ok=True)
            self.size -= segment.size

    def clear(self) -> None:
        """Nothing is waiting any more: remove this writer's segments."""
        for segment in self._segments:
            segment.path.unlink(missing_ok=True)
            self.size -= segment.size
        self._segments = []

    # --- what earlier processes left ----------------------------------------------------------

    def leftovers(self) -> dict[str, list[dict[str, Any]]]:
        """The entries other writers left in the folder, per writer id (oldest writer first), each
        writer's in sequence order."""
        files: dict[str, list[Path]] = defaultdict(list)
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            writer = path.name.split(".", 1)[0]
            if writer != self.writer_id:
                files[writer].append(path)
        order = sorted(files, key=lambda w: min(p.stat().st_mtime for p in files[w]))
        out: dict[str, list[dict[str, Any]]] = {}
        for writer in order:
            entries: list[dict[str, Any]] = []
            for path in files[writer]:
                entries += _read(path)
            out[writer] = sorted(entries, key=lambda e: int(e["s"]))
        return out

    def forget(self, writer: str) -> None:
        """A left-behind writer's entries are all in the database: remove its segments."""
        for path in self.folder.glob(f"{writer}.*{SUFFIX}"):
            self.size -= path.stat().st_size
            path.unlink(missing_ok=True)
        _fsync_dir(self.folder)


def _read(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            if number == len(lines):  # torn by a crash mid-write: never acknowledged
                log.warning("journal %s: torn last line ignored", path)
            else:
                log.error("journal %s: line %d unreadable, skipped", path, number)
    return out
