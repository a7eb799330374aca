"""SIP digest credentials from the users table: agents' phones register with their extension.

The telephony engine asks `ha1(extension, realm)`; the answer is the user's stored HA1 (never a
password). Lookups run in a worker thread so the engine's loop never waits on the database, and
are cached briefly so a REGISTER storm does not become a query storm.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from hotline.people.models import User
from hotline.store.db import Database


class UserCredentialStore:
    def __init__(self, db: Database, realm: str, ttl_seconds: float = 5.0) -> None:
        self.db = db
        self.realm = realm
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, str | None]] = {}

    def _load(self, extension: str) -> str | None:
        with self.db.session() as s:
            return s.scalar(select(User.sip_ha1).where(User.extension == extension, User.active.is_(True)))

    async def ha1(self, username: str, realm: str) -> str | None:
        if realm != self.realm:
            return None
        now = time.monotonic()
        hit = self._cache.get(username)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await asyncio.to_thread(self._load, username)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[username] = (now + self.ttl, value)
        return value
