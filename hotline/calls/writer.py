"""A single background writer for call records, so the telephony loop never waits on the database,
and whose records outlive a database outage.

Call handling queues writes: `submit(op)` (an `ops.Op`, a registered write with plain arguments),
`insert(table, row)`, or `submit(fn)` with any `fn(session)` (kept in memory only: the call path
submits only `Op`s). An `Op` may announce itself with `publish_on_commit`: on this writer's bus. A task drains
the queue every few milliseconds and runs the whole batch in one transaction in a worker thread, in
submission order, together with this writer's mark (`JournalMark`: the highest sequence number
committed). One commit per batch instead of ~15 per call is what lets the call center keep up with
the engine. If a batch fails, its writes are retried one by one so one bad row costs only itself.

When the database cannot take a write for a passing reason (refused or lost connection, locked,
read-only, disk full: `unreachable`), that write and everything after it go to the journal
(`hotline.calls.journal`: fsync'd lines under the data folder, bounded) and stay queued in memory,
in order; `DatabaseLost` is announced once. Every `retry_seconds` the writer replays the queue's
head in chunks, each with the mark in the same transaction; once it is empty the journal is
removed and `DatabaseRecovered` announced. Past the journal's bound writes are kept in memory only
(`JournalFilled`), past `memory_limit` they are dropped and counted. At start `recover_journal`
replays what an earlier process left in the journal, skipping what its mark says is in already.

`after(fn)` runs `fn` on the loop once everything submitted before it is committed (a call hook
after the CDR is written). `flush()` waits until everything submitted so far is committed
(shutdown, tests); `stop()` waits at most `stop_seconds` for that.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from hotline.bus import Bus
from hotline.calls import ops
from hotline.calls.journal import Journal, JournalFull
from hotline.calls.models import JournalMark
from hotline.calls.topics import DatabaseLost, DatabaseRecovered, JournalFilled
from hotline.store.base import Base, utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
Write = Callable[[Session], object]
CHUNK = 500  # writes per replay transaction


def unreachable(exc: BaseException) -> bool:
    """The database could not take the write for a passing reason (try again later)."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(slots=True)
class Entry:
    seq: int
    write: Write | ops.Op | None  # None: an `after` callback
    after: Callable[[], None] | None = None


class Writer:
    def __init__(
        self,
        db: Database,
        interval: float = 0.01,
        retry_seconds: float = 1.0,
        stop_seconds: float = 10.0,
        *,
        journal_dir: Path | None = None,
        journal_bytes: int = 64 << 20,
        memory_limit: int = 200_000,
        bus: Bus | None = None,
    ) -> None:
        self.db = db
        self.interval = interval
        self.retry_seconds = retry_seconds
        self.stop_seconds = stop_seconds
        self.id = uuid.uuid4().hex
        self.journal = Journal(journal_dir, self.id, journal_bytes) if journal_dir is not None else None
        self.memory_limit = memory_limit
        self.bus = bus  # where the outage and its end are announced
        self._seq = itertools.count(1)
        self._pending: list[Entry] = []
        self._backlog: deque[Entry] = deque()  # not in the database yet, in order (outage)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # File work off the loop and off the database's threads (those may hang on a dead server).
        self._files = ThreadPoolExecutor(1, thread_name_prefix="call-journal")
        self.batches = 0
        self.writes = 0
        self.lost_at: float | None = None  # monotonic time the outage began
        self.replayed = 0
        self.dropped = 0
        self.full = False
        self.last_error = ""

    @property
    def waiting_retry(self) -> int:
        """Writes kept after a passing database failure (the journal's, and those in memory)."""
        return sum(1 for e in self._backlog if e.write is not None)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def _queue(self, entry: Entry) -> None:
        self._pending.append(entry)
        self._idle.clear()
        self._wake.set()

    def submit(self, fn: Write | ops.Op) -> None:
        self._queue(Entry(next(self._seq), fn))

    def insert(self, table: type[Any], row: dict[str, Any]) -> None:
        """Queue a row of a mapped class (a table nothing else in the batch depends on)."""
        self._queue(Entry(next(self._seq), ops.row(table, row)))

    def after(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop once every write submitted before it is committed."""
        self._queue(Entry(next(self._seq), None, fn))

    async def flush(self) -> None:
        while self._pending or self._backlog or not self._idle.is_set():
            self._wake.set()
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        try:
            async with asyncio.timeout(self.stop_seconds):
                await self.flush()
        except TimeoutError:
            # What the journal holds is replayed at the next start; open CDRs left behind without
            # a journaled end are closed as failed by `cdr.recover` then.
            log.error(
                "stopping with %d call-record writes not in the database (%d in memory only)",
                len(self._pending) + len(self._backlog),
                len(self._pending),
            )
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._files.shutdown(wait=True)

    # --- the loop ------------------------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(self.interval)  # gather what arrives meanwhile into the batch
            batch, self._pending = self._pending, []
            if self._backlog:
                await loop.run_in_executor(self._files, self._spill, batch)
                await self._replay()
            elif batch:
                done = await self.db.run(self._write, batch)
                self._run_after(batch[:done])
                if done < len(batch):
                    self._lost(batch[done:])
                    await loop.run_in_executor(self._files, self._spill, batch[done:])
            if self._backlog:
                await asyncio.sleep(self.retry_seconds)
                self._wake.set()
                continue
            if not self._pending:
                self._idle.set()

    async def _replay(self) -> None:
        loop = asyncio.get_running_loop()
        while self._backlog:
            chunk = list(itertools.islice(self._backlog, CHUNK))
            done = await self.db.run(self._write, chunk)
            for _ in range(done):
                self._backlog.popleft()
            self.replayed += sum(1 for e in chunk[:done] if e.write is not None)
            self._run_after(chunk[:done])
            if done and self.journal is not None:
                await loop.run_in_executor(self._files, self.journal.applied, chunk[done - 1].seq)
            if done < len(chunk):
                return
        self._recovered()
        if self.journal is not None:
            await loop.run_in_executor(self._files, self.journal.clear)

    def _lost(self, left: list[Entry]) -> None:
        self.lost_at = time.monotonic()
        log.error(
            "database unreachable (%s): %d call-record writes to the journal", self.last_error, len(left)
        )
        folder = str(self.journal.folder) if self.journal is not None else ""
        if self.bus is not None:
            self.bus.publish(DatabaseLost(error=self.last_error, journal=folder))

    def _recovered(self) -> None:
        seconds = time.monotonic() - (self.lost_at or time.monotonic())
        log.warning("database back after %.1f s: %d journaled writes replayed", seconds, self.replayed)
        if self.bus is not None:
            replayed, dropped = self.replayed, self.dropped
            self.bus.publish(DatabaseRecovered(seconds=round(seconds, 3), replayed=replayed, dropped=dropped))
        self.lost_at, self.replayed, self.dropped, self.full = None, 0, 0, False

    def _run_after(self, entries: list[Entry]) -> None:
        for entry in entries:
            if entry.after is None:
                continue
            try:
                entry.after()
            except Exception:
                log.exception("after-write callback failed")

    # --- the journal (file thread) -------------------------------------------------------------

    def _spill(self, entries: list[Entry]) -> None:
        """Keep `entries` for a replay: durable ones in the journal first, all in memory."""
        durable = [(e.seq, ops.encode(e.write)) for e in entries if isinstance(e.write, ops.Op)]
        if self.journal is not None and not self.full and durable:
            try:
                self.journal.append(durable)
            except (JournalFull, OSError) as exc:
                self.full = True
                log.error("call-record journal refused writes, keeping them in memory: %s", exc)
                if self.bus is not None:  # from this file thread: the bus makes the hop
                    folder, size = str(self.journal.folder), self.journal.size
                    self.bus.publish(JournalFilled(journal=folder, size_bytes=size, error=str(exc)))
        for entry in entries:
            if len(self._backlog) >= self.memory_limit:
                self.dropped += 1
                continue
            self._backlog.append(entry)

    # --- the database (its worker threads) -----------------------------------------------------

    def _write(self, batch: list[Entry]) -> int:
        """Write the batch with this writer's mark; returns how many entries from the head are done
        (written, or dropped as bad), the rest could not be written for a passing reason."""
        self.batches += 1
        writes = [e for e in batch if e.write is not None]
        self.writes += len(writes)
        if not writes:
            return len(batch)
        try:
            with self._session() as s:
                self._apply(s, writes)
                self._mark(s, self.id, batch[-1].seq)
            return len(batch)
        except Exception as exc:
            if unreachable(exc):
                self.last_error = _reason(exc)
                return 0  # the same reason would stop each write: keep them all
            log.exception("call-record batch failed; retrying its %d writes one by one", len(writes))
        for done, entry in enumerate(batch):
            if entry.write is None:
                continue
            try:
                with self._session() as s:
                    entry.write(s)
                    self._mark(s, self.id, entry.seq)
            except Exception as exc:
                if unreachable(exc):
                    self.last_error = _reason(exc)
                    log.error("call-record write kept for a retry: %s", self.last_error)
                    return done
                log.exception("call-record write failed")
        return len(batch)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.db.session() as s:
            if self.bus is not None:  # what a write announces (`publish_on_commit`) goes on our bus
                s.info["bus"] = self.bus
            yield s

    @staticmethod
    def _apply(s: Session, entries: list[Entry]) -> None:
        """The writes in order; one-row inserts at the end in one executemany per table (nothing
        in a batch depends on them)."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            write = entry.write
            table = write.table if isinstance(write, ops.Op) else None
            if table is not None and isinstance(write, ops.Op):
                rows.setdefault(table, []).append(write.args["row"])
            elif write is not None:
                write(s)
                s.flush()
        for table, values in rows.items():
            s.execute(insert(Base.metadata.tables[table]), values)

    @staticmethod
    def _mark(s: Session, writer_id: str, seq: int) -> None:
        stmt = update(JournalMark).where(JournalMark.writer_id == writer_id)
        if s.execute(stmt.values(applied_seq=seq, updated_at=utcnow())).rowcount == 0:  # type: ignore[attr-defined]
            s.execute(insert(JournalMark).values(writer_id=writer_id, applied_seq=seq, updated_at=utcnow()))

    # --- what an earlier process left ----------------------------------------------------------

    def recover_journal(self) -> int:
        """Replay the writes earlier writers left in the journal (blocking: before the call center
        starts, after which `cdr.recover` closes what is still open). Returns how many were applied."""
        if self.journal is None:
            return 0
        applied = 0
        for writer, entries in self.journal.leftovers().items():
            with self.db.session() as s:
                mark = s.scalar(select(JournalMark.applied_seq).where(JournalMark.writer_id == writer)) or 0
            todo = [e for e in entries if int(e["s"]) > mark]
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                applied += self._replay_left(writer, chunk)
            self.journal.forget(writer)
            with self.db.session() as s:
                s.execute(delete(JournalMark).where(JournalMark.writer_id == writer))
            log.warning(
                "journal of writer %s: %d writes replayed, %d were in already",
                writer,
                len(todo),
                len(entries) - len(todo),
            )
        return applied

    def _replay_left(self, writer: str, chunk: list[dict[str, Any]]) -> int:
        decoded = [Entry(int(e["s"]), ops.decode(e)) for e in chunk]
        try:
            with self._session() as s:
                self._apply(s, decoded)
                self._mark(s, writer, decoded[-1].seq)
            return len(decoded)
        except Exception as exc:
            if unreachable(exc):
                raise
            log.exception("journal chunk failed; replaying its %d writes one by one", len(decoded))
        applied = 0
        for entry in decoded:
            try:
                with self._session() as s:
                    self._apply(s, [entry])
                    self._mark(s, writer, entry.seq)
                applied += 1
            except Exception as exc:
                if unreachable(exc):
                    raise
                log.exception("journaled write %s of writer %s failed", entry.seq, writer)
        return applied


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0][:300] if str(orig or exc).strip() else type(exc).__name__
