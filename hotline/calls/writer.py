"""A single background writer for call records, so the telephony loop never waits on the database.

Call handling queues small write functions (`submit(fn)`, each `fn(session)`); a task drains the
queue every few milliseconds and runs the whole batch in one transaction in a worker thread, in
submission order. One commit per batch instead of ~15 per call is what lets the call center keep
up with the engine. If a batch fails, its writes are retried one by one so one bad row costs only
itself. `flush()` waits until everything submitted so far is committed (shutdown, tests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from hotline.store.db import Database

log = logging.getLogger(__name__)
Write = Callable[[Session], object]


class Writer:
    def __init__(self, db: Database, interval: float = 0.01) -> None:
        self.db = db
        self.interval = interval
        self._pending: list[Write] = []
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

    async def flush(self) -> None:
        while self._pending or not self._idle.is_set():
            self._wake.set()
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(self.interval)  # gather what arrives meanwhile into the batch
            batch, self._pending = self._pending, []
            if batch:
                await asyncio.to_thread(self._write, batch)
            if not self._pending:
                self._idle.set()

    def _write(self, batch: list[Write]) -> None:
        self.batches += 1
        self.writes += len(batch)
        try:
            with self.db.session() as s:
                for fn in batch:
                    fn(s)
                    s.flush()
        except Exception:
            log.exception("call-record batch failed; retrying its %d writes one by one", len(batch))
            for fn in batch:
                try:
                    with self.db.session() as s:
                        fn(s)
                except Exception:
                    log.exception("call-record write failed")
