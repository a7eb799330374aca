"""Background job of opinion monitoring: fetch the sources that are due (each in its own thread,
politely), then process what arrived (grouping, rules, sentiment, risk, alerts)."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from hotline.errors import Invalid, NotFound
from hotline.jobs import Job
from hotline.jobs.runner import try_lease
from hotline.opinion import briefs, ingest, process, sentiment
from hotline.opinion.fetch import Fetcher
from hotline.opinion.models import OpinionSource
from hotline.store.db import Database

# One fetcher per database (its per-host pace and robots.txt cache outlive a run); the job's
# signature is (db, now), so this is how state between runs is found, like the knowledge index.
_FETCHERS: dict[str, Fetcher] = {}


def fetcher_for(db: Database) -> Fetcher:
    return _FETCHERS.setdefault(db.url, Fetcher())


def run_source(db: Database, source_id: int) -> ingest.Outcome | None:
    """Fetch one source at once and process what came (an operator's 立即采集): the fetcher's
    deadline bounds how long it takes; the pace and robots.txt are the job's own. None when the
    job was fetching this source at that moment (it is then fetched already)."""
    with db.session() as s:
        src = s.get(OpinionSource, source_id)
        if src is None:
            raise NotFound("source not found", "来源不存在")
        if src.kind == "wechat":
            raise Invalid("the account's messages arrive by themselves", "公众号留言自动接收，无需采集")
    fetcher = fetcher_for(db)
    report = ingest.run(db, fetcher, only=[source_id])
    if not report.outcomes:  # the job was fetching it: its result is the answer
        ingest.wait_idle(source_id, fetcher.deadline + 2 * fetcher.timeout)
    # Processing belongs to whoever holds the job's lease: this process (the runner's owner name,
    # so its own job and this request share it), or another process whose job processes these
    # items within a minute.
    if try_lease(db, "opinion.fetch", f"{socket.gethostname()}:{os.getpid()}", 120):
        process.process_pending(db)
    return report.outcomes[0] if report.outcomes else None


def fetch_job(db: Database, now: datetime) -> None:
    sentiment.warm()  # load the model here, once, not in the first operator's request
    ingest.run(db, fetcher_for(db), now)
    process.process_pending(db, now)


JOBS = [Job("opinion.fetch", 60.0, fetch_job), Job("opinion.briefs", 300.0, briefs.job)]
