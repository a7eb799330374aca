"""Registrar bindings kept in the database, so a restart does not make the phones unreachable.

The registrar holds bindings in memory; `RegistrationStore.install` hooks its `on_change` and writes
an extension's live bindings (replacing its earlier rows) in the background, batched, on the
telephony engine's own database pool, so a REGISTER is answered without waiting on a write. At
start `load` puts back every binding whose expiry is still ahead: a phone stays reachable at its
registered address until its registration runs out or it registers again. Expiries are stored as
UTC wall-clock times (the registrar's monotonic clock does not survive a restart).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy import delete, insert, select

from hotline.sip.registrar import Binding, Registrar
from hotline.sip.transport import WEBSOCKET, Source
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.telephony.models import SipRegistration

log = logging.getLogger(__name__)
Row = dict[str, object]


class RegistrationStore:
    def __init__(self, db: Database, registrar: Registrar) -> None:
        self.db = db
        self.registrar = registrar
        self._dirty: dict[str, list[Row]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.written = 0

    # --- restart ---------------------------------------------------------------------------------

    def _load(self) -> list[SipRegistration]:
        now = utcnow()
        with self.db.session() as s:
            s.execute(delete(SipRegistration).where(SipRegistration.expires_at <= now))
            return list(s.scalars(select(SipRegistration)))

    async def load(self) -> int:
        """Restore the saved bindings that have not expired; returns how many."""
        rows = await self.db.run(self._load)
        wall, mono = utcnow(), time.monotonic()
        bindings = [
            Binding(
                row.aor,
                row.contact,
                Source(row.proto, (row.host, row.port)),
                mono + (row.expires_at - wall).total_seconds(),
                row.call_id,
                row.cseq,
                row.q,
                tuple(str(hop) for hop in row.path or ()),
            )
            for row in rows
        ]
        self.registrar.restore(bindings)
        return len(bindings)

    # --- saving ----------------------------------------------------------------------------------

    def install(self) -> None:
        self.registrar.on_change = self.changed
        self._task = asyncio.ensure_future(self._run())

    def changed(self, aor: str, bindings: list[Binding]) -> None:
        wall, mono = utcnow(), time.monotonic()
        self._dirty[aor] = [
            {
                "aor": b.aor,
                "contact": b.contact,
                "proto": b.source.proto,
                "host": b.source.addr[0],
                "port": b.source.addr[1],
                "expires_at": wall + timedelta(seconds=b.expires_at - mono),
                "call_id": b.call_id,
                "cseq": b.cseq,
                "q": b.q,
                "path": list(b.path),
            }
            for b in bindings
            if b.source.proto not in WEBSOCKET  # a browser's socket does not outlive a restart
        ]
        self._idle.clear()
        self._wake.set()

    def _write(self, batch: dict[str, list[Row]]) -> None:
        with self.db.session() as s:
            s.execute(delete(SipRegistration).where(SipRegistration.aor.in_(list(batch))))
            rows = [row for rows in batch.values() for row in rows]
            if rows:
                s.execute(insert(SipRegistration), rows)
        self.written += len(batch)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._dirty = self._dirty, {}
            if batch:
                try:
                    await self.db.run(self._write, batch)
                except Exception:
                    log.exception("saving %d registrations failed; they are kept in memory", len(batch))
            if not self._dirty:
                self._idle.set()

    async def flush(self) -> None:
        """Wait until every change so far is written (shutdown, tests)."""
        while not self._idle.is_set():
            await self._idle.wait()

    async def stop(self) -> None:
        if self.registrar.on_change == self.changed:
            self.registrar.on_change = None
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
