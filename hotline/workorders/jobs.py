"""Entry points for background jobs and the CLI: each opens its own transaction on a Database.

- `sweep(db)`: deadline warnings, automatic supervision and escalation (run every minute).
- `retrain(db)`: retrain the category and department suggesters on closed orders
  (wire to `hotline workorders train`).
- `retry_inbox(db)`: process channel messages stored but not yet turned into orders.
"""

from __future__ import annotations

from hotline.channels.inbox import retry_pending
from hotline.jobs import Job
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders import assist
from hotline.workorders.deadlines import sweep_deadlines


def sweep(db: Database) -> dict[str, int]:
    with db.session() as s:
        return sweep_deadlines(s, utcnow())


def retrain(db: Database) -> dict[str, int]:
    """Returns the number of training samples per target."""
    with db.session() as s:
        return {target: assist.train(s, target).samples for target in ("category", "department")}


def retry_inbox(db: Database) -> int:
    return retry_pending(db)


# Run by `hotline serve` through hotline.jobs (one process at a time, under a database lease).
JOBS = [
    Job("workorders.deadlines", 60, lambda db, now: sweep(db)),
    Job("channels.inbox_retry", 30, lambda db, now: retry_inbox(db)),
    Job("workorders.retrain", 24 * 3600, lambda db, now: retrain(db)),
]
