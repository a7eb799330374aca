"""SIP digest credentials from the users table: agents' phones register with their extension.

The telephony engine asks `ha1(extension, realm)`; the answer is the user's stored HA1 (never a
password). Every active extension's HA1 is held in memory, loaded once at start, so a REGISTER or an
agent's INVITE never waits on the database, however busy the web side keeps it. A change to a
user's extension, SIP password or active flag publishes "people.sip_credentials_changed" after its commit
(`hotline.people.service`); the store then forgets the extensions named and reloads the whole table
in the background, so a changed SIP password counts from the next REGISTER on. Changes made by
another process (the `hotline user` CLI, a second server) arrive through a periodic reload. Loads
run on the database given, normally the telephony engine's own small pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import select

from hotline.bus import Bus, Event
from hotline.people.models import User
from hotline.people.topics import SipCredentialsChanged
from hotline.store.db import Database

log = logging.getLogger(__name__)


class UserCredentialStore:
    def __init__(self, db: Database, realm: str, refresh_seconds: float = 30.0) -> None:
        self.db = db
        self.realm = realm
        self.refresh_seconds = refresh_seconds
        self._table: dict[str, str] = {}
        self._loaded = False
        # Bumped by every invalidation: a reload that started before a change must not write the
        # old values back over it.
        self._generation = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._unsubscribe: Any = None
        self.loads = 0

    # --- database -------------------------------------------------------------------------------

    def _load_all(self) -> dict[str, str]:
        with self.db.session() as s:
            rows = s.execute(
                select(User.extension, User.sip_ha1).where(
                    User.active.is_(True), User.extension.is_not(None), User.sip_ha1.is_not(None)
                )
            ).all()
        return {str(ext): str(ha1) for ext, ha1 in rows}

    def _load_one(self, extension: str) -> str | None:
        with self.db.session() as s:
            return s.scalar(select(User.sip_ha1).where(User.extension == extension, User.active.is_(True)))

    async def reload(self) -> None:
        """Read the whole table afresh (retried by the next wake-up if a change raced it)."""
        generation = self._generation
        table = await self.db.run(self._load_all)
        self.loads += 1
        if generation == self._generation:
            self._table = table
            self._loaded = True
        else:
            self._wake.set()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, bus: Bus | None = None) -> None:
        try:
            await self.reload()
        except Exception:
            log.exception("SIP credentials not loaded; looking them up one by one until they are")
        if bus is not None:
            self._unsubscribe = bus.subscribe(SipCredentialsChanged, self.on_change, remote=True)
        self._task = asyncio.ensure_future(self._refresh_loop())

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def on_change(self, event: Event) -> None:
        """A committed change (the bus brings it to our loop, whoever published it)."""
        self.invalidate([str(e) for e in event.data.get("extensions", []) if e])

    def invalidate(self, extensions: list[str]) -> None:
        self._generation += 1
        for extension in extensions:
            self._table.pop(extension, None)
        self._loaded = False  # until the reload lands, misses are asked of the database
        self._wake.set()

    async def _refresh_loop(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel that meets a
            # wake-up, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.refresh_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.reload()
            except Exception:
                log.exception("SIP credentials reload failed; keeping the previous ones")

    # --- the engine's question ------------------------------------------------------------------

    async def ha1(self, username: str, realm: str) -> str | None:
        if realm != self.realm:
            return None
        if self._task is None:
            return await self.db.run(self._load_one, username)  # not started: nobody invalidates
        known = self._table.get(username)
        if known is not None:
            return known
        if self._loaded:
            return None  # the whole table is in memory: no such active extension
        # Not loaded yet (database down at start) or just invalidated: ask for this one.
        generation = self._generation
        value = await self.db.run(self._load_one, username)
        if value is not None and generation == self._generation:
            self._table[username] = value
        return value
