"""Background job of opinion monitoring: fetch the sources that are due (each in its own thread,
politely), then process what arrived (grouping, rules, sentiment, risk, alerts)."""

from __future__ import annotations

from datetime import datetime

from hotline.jobs import Job
from hotline.opinion import ingest, process
from hotline.opinion.fetch import Fetcher
from hotline.store.db import Database

# One fetcher per database (its per-host pace and robots.txt cache outlive a run); the job's
# signature is (db, now), so this is how state between runs is found, like the knowledge index.
_FETCHERS: dict[str, Fetcher] = {}


def fetcher_for(db: Database) -> Fetcher:
    return _FETCHERS.setdefault(db.url, Fetcher())


def fetch_job(db: Database, now: datetime) -> None:
    ingest.run(db, fetcher_for(db), now)
    process.process_pending(db, now)


JOBS = [Job("opinion.fetch", 60.0, fetch_job)]
