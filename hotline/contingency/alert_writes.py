"""Alert writes from bus events (a trunk down or back, a recording failing), in the order the
events came, and none lost to a database outage.

A fault seen while the database is away cannot become its `contingency_alerts` row then; dropping
it would leave nothing for the people on duty (and a "trunk back" dropped would leave the alert
open for ever). So a write the database refuses for want of a connection is held, in order, and
written before the next one, or when the call-record writer announces `calls.database_recovered`
(`flush`); each keeps the time its fault was seen. A write that fails for any other reason is a
defect, not an outage: it is logged and dropped so that it cannot hold up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from hotline.store.db import Database

log = logging.getLogger(__name__)
HELD_LIMIT = 1000  # writes kept through one outage (alerts of one key collapse into a repeat)

Write = Callable[[Session], object]


def _unreachable(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class AlertWrites:
    """One process's alert writes (on the contingency plug-in's loop)."""

    def __init__(self, db: Database, limit: int = HELD_LIMIT) -> None:
        self.db = db
        self.held: deque[Write] = deque()
        self.limit = limit
        self._lock = asyncio.Lock()

    async def submit(self, write: Write) -> None:
        """Write now, after whatever an outage held; held itself if the database is still away."""
        async with self._lock:
            if len(self.held) >= self.limit:
                self.held.popleft()
                log.error("alert writes held through the outage exceed %d: the oldest dropped", self.limit)
            self.held.append(write)
            await self._drain()

    async def flush(self) -> int:
        """Write what an outage held (the database is back); returns how many are still held."""
        async with self._lock:
            await self._drain()
            return len(self.held)

    async def _drain(self) -> None:
        while self.held:
            try:
                await self.db.run(self._one, self.held[0])
            except Exception as exc:
                if _unreachable(exc):
                    log.warning("alert write held for the database (%d held): %s", len(self.held), exc)
                    return
                log.exception("alert write failed: dropped")
            self.held.popleft()

    def _one(self, write: Write) -> None:
        with self.db.session() as session:
            write(session)
