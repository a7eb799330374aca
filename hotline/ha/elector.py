"""The leader election loop: renew the lease while leading, try to take it while standing by.

`Elector.step(now)` is one round (tests call it with their own clock); `run()` repeats it on the
wall clock. Elected: `on_elected(holding)`; lost (a renewal refused, or no renewal succeeded
before the lease's own end as this node measured it): `on_lost()`, before another node can take
over, since that one waits for the lease's end as stored, which is never earlier.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from hotline.ha.lease import Holding, acquire, release
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)


class Elector:
    def __init__(
        self,
        db: Database,
        name: str,
        holder: str,
        seconds: float = 3.0,
        renew_seconds: float = 1.0,
        standby_seconds: float = 0.25,
    ) -> None:
        if renew_seconds * 2 > seconds:
            raise ValueError("renew the lease at least twice per lease period")
        self.db, self.name, self.holder = db, name, holder
        self.seconds, self.renew_seconds, self.standby_seconds = seconds, renew_seconds, standby_seconds
        self.holding: Holding | None = None
        self.valid_until: datetime | None = None
        self.on_elected: Callable[[Holding], Awaitable[None]] | None = None
        self.on_lost: Callable[[], Awaitable[None]] | None = None
        self._stop = asyncio.Event()

    @property
    def leader(self) -> bool:
        return self.holding is not None

    async def step(self, now: datetime) -> None:
        """One round at `now`: renew or try to take the lease; call the callbacks on a change."""
        try:
            got = await self.db.run(acquire, self.db, self.name, self.holder, self.seconds, now)
            failed = False
        except SQLAlchemyError as exc:
            log.warning("leader lease %s: database unreachable (%s)", self.name, exc)
            got, failed = None, True
        if self.holding is None:
            if got is not None:
                self.holding, self.valid_until = got, now + timedelta(seconds=self.seconds)
                log.warning("leader lease %s: %s leads, epoch %d", self.name, self.holder, got.epoch)
                if self.on_elected is not None:
                    await self.on_elected(got)
            return
        if got is not None and got.epoch == self.holding.epoch:
            # Measured from before the round trip: the stored end is never earlier than ours.
            self.valid_until = now + timedelta(seconds=self.seconds)
            return
        if failed and self.valid_until is not None and now < self.valid_until:
            return  # a database blip: keep leading until our own measure of the lease runs out
        log.warning("leader lease %s: lost (epoch %d); standing down", self.name, self.holding.epoch)
        self.holding, self.valid_until = None, None
        if self.on_lost is not None:
            await self.on_lost()

    async def run(self) -> None:
        """Rounds on the wall clock until `stop()`: every `renew_seconds` while leading, every
        `standby_seconds` while standing by (so a takeover follows expiry closely)."""
        while not self._stop.is_set():
            await self.step(utcnow())
            pause = self.renew_seconds if self.leader else self.standby_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), pause)

    async def stop(self, give_up: bool = True) -> None:
        """End the rounds; `give_up` releases a held lease so the standby takes over at once."""
        self._stop.set()
        holding = self.holding
        if give_up and holding is not None:
            try:
                await self.db.run(release, self.db, self.name, self.holder, holding.epoch, utcnow())
            except SQLAlchemyError:
                log.warning("leader lease %s: not released (it will expire)", self.name)
        self.holding = None
