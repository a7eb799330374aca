"""Keeping the rollups current: `catch_up` runs batches (each its own transaction) until both
rollups have read everything; `rebuild` recomputes them from the raw tables (`hotline analytics
rebuild`); `Nudge` is the bus handler that catches up right after calls and orders change, one run
at a time per process (the periodic job is the safety net, and the marks' lock makes concurrent
runs in several processes safe)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from hotline.analytics import callroll, orderroll
from hotline.bus import Event
from hotline.store.db import Database

log = logging.getLogger(__name__)


@dataclass
class CatchUp:
    lines: int = 0
    timeline_rows: int = 0


def catch_up(db: Database, max_batches: int = 1_000) -> CatchUp:
    done = CatchUp()
    for _ in range(max_batches):
        with db.session() as s:
            n = callroll.run_batch(s)
        done.lines += n
        if n == 0:
            break
    for _ in range(max_batches):
        with db.session() as s:
            n = orderroll.run_batch(s)
        done.timeline_rows += n
        if n == 0:
            break
    return done


def job(db: Database, now: datetime) -> None:
    catch_up(db)


@dataclass
class Rebuilt:
    lines: int
    days: int
    seconds: float


def rebuild(db: Database) -> Rebuilt:
    """Both rollups from scratch, each in one transaction (readers see old or new figures)."""
    started = time.perf_counter()
    with db.session() as s:
        lines = callroll.rebuild(s)
    with db.session() as s:
        days = orderroll.rebuild(s)
    return Rebuilt(lines, days, round(time.perf_counter() - started, 3))


class Nudge:
    """Bus handler: catch up now; one run at a time, and one more if nudged meanwhile."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._running = False
        self._again = False

    async def __call__(self, event: Event) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                await self.db.run(catch_up, self.db)
                if not self._again:
                    break
        except Exception:
            log.exception("analytics catch-up after %s failed; the job will retry", event.topic)
        finally:
            self._running = False
