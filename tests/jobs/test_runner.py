"""Job leases: one owner at a time, taken over after expiry, runs recorded, failures kept."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from hotline.jobs import Job, try_lease
from hotline.jobs.runner import last_runs, run_once
from hotline.store.base import utcnow
from hotline.store.db import Database


def test_lease_is_exclusive_until_expiry(db: Database) -> None:
    now = utcnow()
    assert try_lease(db, "sweep", "a", 60, now)
    assert not try_lease(db, "sweep", "b", 60, now)
    assert try_lease(db, "sweep", "a", 60, now + timedelta(seconds=30))  # renew
    assert try_lease(db, "sweep", "b", 60, now + timedelta(seconds=120))  # a lapsed
    assert not try_lease(db, "sweep", "a", 60, now + timedelta(seconds=121))


def test_concurrent_owners_never_both_win(db: Database) -> None:
    now = utcnow()
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contend(owner: str) -> None:
        barrier.wait()
        if try_lease(db, "race", owner, 60, now):
            winners.append(owner)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_run_once_records_success_and_failure(db: Database) -> None:
    calls: list[datetime] = []

    def ok(_: Database, now: datetime) -> None:
        calls.append(now)

    def boom(_: Database, now: datetime) -> None:
        raise ValueError("broken job")

    assert run_once(db, Job("ok", 10, ok), "me")
    assert run_once(db, Job("boom", 10, boom), "me")
    assert not run_once(db, Job("ok", 10, ok), "someone-else")
    assert len(calls) == 1
    runs = {lease.name: lease for lease in last_runs(db)}
    assert runs["ok"].runs == 1 and runs["ok"].last_error is None
    assert "broken job" in (runs["boom"].last_error or "")
