"""A single background writer for call records, so the telephony loop never waits on the database.

Call handling queues small write functions (`submit(fn)`, each `fn(session)`); a task drains the
queue every few milliseconds and runs the whole batch in one transaction in a worker thread, in
submission order. One commit per batch instead of ~15 per call is what lets the call center keep
up with the engine. If a batch fails, its writes are retried one by one so one bad row costs only
itself. A write the database could not take for a passing reason (disk full, read-only, connection
lost: an OperationalError) is kept and tried again every `retry_seconds`, in order, so a call's CDR
is closed once room is made rather than left `active`. `after(fn)` runs `fn` on the loop once
everything submitted before it is committed (a call hook after the CDR is written). `flush()`
waits until everything submitted so far is committed (shutdown, tests); `stop()` waits at most
`stop_seconds` for that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline.store.db import Database

log = logging.getLogger(__name__)
Write = Callable[[Session], object]


class Writer:
    def __init__(
        self, db: Database, interval: float = 0.01, retry_seconds: float = 1.0, stop_seconds: float = 10.0
    ) -> None:
        self.db = db
        self.interval = interval
        self.retry_seconds = retry_seconds
        self.stop_seconds = stop_seconds
        self.waiting_retry = 0  # writes kept after a passing database failure
        self._pending: list[Write] = []
        # Append-only rows (queue log, agent states) go in one executemany per table and batch.
        self._bulk: dict[type[Any], list[dict[str, Any]]] = {}
        self._after: list[Callable[[], None]] = []  # run once the writes before them are committed
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def submit(self, fn: Write) -> None:
        self._pending.append(fn)
        self._idle.clear()
        self._wake.set()

    def insert(self, table: type[Any], row: dict[str, Any]) -> None:
        """Queue a row of a mapped class (a table nothing else in the batch depends on)."""
        self._bulk.setdefault(table, []).append(row)
        self._idle.clear()
        self._wake.set()

    def after(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop once every write submitted before it is committed."""
        self._after.append(fn)
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        while self._pending or self._bulk or self._after or not self._idle.is_set():
            self._wake.set()
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        try:
            async with asyncio.timeout(self.stop_seconds):
                await self.flush()
        except TimeoutError:
            # Open CDRs left behind are closed as failed by `cdr.recover` at the next start.
            log.error("stopping with %d call-record writes not written", len(self._pending))
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(self.interval)  # gather what arrives meanwhile into the batch
            batch, self._pending = self._pending, []
            bulk, self._bulk = self._bulk, {}
            after, self._after = self._after, []
            if batch or bulk:
                retry = await self.db.run(self._write, batch, bulk)
                self.waiting_retry = len(retry)
                if retry:
                    self._pending = retry + self._pending  # older writes first
                    self._after = after + self._after  # still waiting for those writes
                    await asyncio.sleep(self.retry_seconds)
                    self._wake.set()
                    continue
            for fn in after:
                try:
                    fn()
                except Exception:
                    log.exception("after-write callback failed")
            if not self._pending and not self._bulk and not self._after:
                self._idle.set()

    def _write(
        self, batch: list[Write], bulk: dict[type[Any], list[dict[str, Any]]] | None = None
    ) -> list[Write]:
        """Write the batch; returns the writes to try again later (the database could not take
        them for a passing reason)."""
        self.batches += 1
        self.writes += len(batch) + sum(len(rows) for rows in (bulk or {}).values())
        for table, rows in (bulk or {}).items():
            batch.append(lambda s, t=table, r=rows: s.execute(insert(t), r))  # type: ignore[misc]
        try:
            with self.db.session() as s:
                for fn in batch:
                    fn(s)
                    s.flush()
            return []
        except Exception:
            log.exception("call-record batch failed; retrying its %d writes one by one", len(batch))
        retry: list[Write] = []
        for fn in batch:
            if retry:
                retry.append(fn)  # keep the order: a later write may depend on an earlier one
                continue
            try:
                with self.db.session() as s:
                    fn(s)
            except OperationalError as exc:
                log.error("call-record write kept for a retry: %s", exc.orig)
                retry.append(fn)
            except Exception:
                log.exception("call-record write failed")
        return retry
