"""Runs periodic jobs on the server's loop, in worker threads, under database leases (the jobs
the plug-ins declare: `hotline.plugins.all_jobs`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.jobs.models import JobLease
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """`run(db, now)` every `every_seconds`; it must be idempotent (a lease may lapse mid-run)."""

    name: str
    every_seconds: float
    run: Callable[[Database, datetime], object]


def try_lease(db: Database, name: str, owner: str, seconds: float, now: datetime | None = None) -> bool:
    """Take (or renew) the lease on `name` for `owner`; False if another owner holds it."""
    now = now or utcnow()
    until = now + timedelta(seconds=seconds)
    with db.session() as s:
        if s.get(JobLease, name) is None:
            try:
                with s.begin_nested():
                    s.execute(insert(JobLease).values(name=name, owner=owner, expires_at=until, runs=0))
                return True
            except IntegrityError:
                pass  # someone else created it first; compete below
        result = s.execute(
            update(JobLease)
            .where(
                JobLease.name == name,
                or_(JobLease.owner == owner, JobLease.expires_at.is_(None), JobLease.expires_at < now),
            )
            .values(owner=owner, expires_at=until)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def _finish(db: Database, name: str, started: datetime, error: str | None) -> None:
    with db.session() as s:
        lease = s.get(JobLease, name)
        if lease is not None:
            lease.last_started_at = started
            lease.last_finished_at = utcnow()
            lease.last_error = error
            lease.runs = (lease.runs or 0) + 1


def run_once(db: Database, job: Job, owner: str, now: datetime | None = None) -> bool:
    """Run `job` now if this owner can lease it; returns whether it ran."""
    now = now or utcnow()
    if not try_lease(db, job.name, owner, max(job.every_seconds * 2, 60), now):
        return False
    error = None
    try:
        job.run(db, now)
    except Exception:
        error = traceback.format_exc()[-4000:]
        log.exception("job %s failed", job.name)
    _finish(db, job.name, now, error)
    return True


class JobRunner:
    def __init__(self, db: Database, jobs: list[Job], owner: str | None = None) -> None:
        self.db = db
        self.jobs = jobs
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: list[asyncio.Task[None]] = []

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await asyncio.to_thread(run_once, self.db, job, self.owner)
            except Exception:
                log.exception("job loop %s", job.name)
            await asyncio.sleep(job.every_seconds)

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


def last_runs(db: Database) -> list[JobLease]:
    with db.session() as s:
        return list(s.scalars(select(JobLease).order_by(JobLease.name)))
