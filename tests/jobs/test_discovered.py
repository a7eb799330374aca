"""Every job a domain declares is found and runs cleanly on a fresh database."""

from __future__ import annotations

from hotline.jobs import discover_jobs
from hotline.jobs.runner import last_runs, run_once
from hotline.store.base import utcnow
from hotline.store.db import Database


def test_domain_jobs_run(db: Database) -> None:
    jobs = discover_jobs()
    names = {job.name for job in jobs}
    assert {"workorders.sweep_deadlines", "channels.retry_inbox", "knowledge.sweep"} <= names
    assert len(names) == len(jobs), "job names must be unique"
    now = utcnow()
    for job in jobs:
        assert run_once(db, job, "test", now)
    failures = {lease.name: lease.last_error for lease in last_runs(db) if lease.last_error}
    assert failures == {}
