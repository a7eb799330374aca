"""Every job a domain's plug-in declares runs cleanly on a fresh database."""

from __future__ import annotations

from hotline.jobs.runner import last_runs, run_once
from hotline.plugins import all_jobs, default_plugins
from hotline.store.base import utcnow
from hotline.store.db import Database


def test_domain_jobs_run(db: Database) -> None:
    jobs = all_jobs(default_plugins())
    names = {job.name for job in jobs}
    assert {"workorders.sweep_deadlines", "channels.retry_inbox", "knowledge.sweep"} <= names
    assert len(names) == len(jobs), "job names must be unique"
    now = utcnow()
    for job in jobs:
        assert run_once(db, job, "test", now)
    failures = {lease.name: lease.last_error for lease in last_runs(db) if lease.last_error}
    assert failures == {}
