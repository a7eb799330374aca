"""Background jobs (found by `hotline.jobs.runner.discover_jobs` through `JOBS`) and the same
entry points for the CLI; each opens its own transaction on a Database.

- `sweep(db, now)`: deadline warnings, automatic supervision and escalation (every minute).
- `retrain(db)`: retrain the category and department suggesters on closed orders (nightly; wire
  it to `hotline workorders train`).
- `reindex(db)`: rebuild the search tokens of every order (`hotline workorders reindex`).
- `retry_inbox(db)`: process channel messages stored but not yet turned into orders (every minute).
- `notify_out.run(db, now)`: notifications by mail/SMS to the staff who asked for them (every 15 s).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hotline.channels.inbox import retry_pending
from hotline.jobs.runner import Job
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders import assist, notify_out, search
from hotline.workorders.deadlines import sweep_deadlines


def sweep(db: Database, now: datetime | None = None) -> dict[str, int]:
    with db.session() as s:
        return sweep_deadlines(s, now or utcnow())


def retrain(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Returns the number of training samples per target."""
    with db.session() as s:
        return {target: assist.train(s, target).samples for target in ("category", "department")}


def reindex(db: Database, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the search tokens of every order (after a change of what is indexed)."""
    with db.session() as s:
        return search.reindex_all(s, progress=progress)


def retry_inbox(db: Database, now: datetime | None = None) -> int:
    return retry_pending(db)


JOBS = [
    Job("workorders.sweep_deadlines", 60, sweep),
    Job("workorders.retrain_suggester", 24 * 3600, retrain),
    Job("channels.retry_inbox", 60, retry_inbox),
    Job("workorders.send_notifications", 15, lambda db, now: notify_out.run(db, now)),
]
