"""Background jobs (`JOBS`, run through the work-orders plug-in) and the same entry points for
the CLI; each opens its own transaction on a Database.

- `sweep(db, now)`: deadline warnings, automatic supervision and escalation (every minute).
- `retrain(db)`: retrain the category and department suggesters on closed orders (nightly; wire
  it to `hotline workorders train`).
- `reindex(db)`: rebuild the search tokens of every order (`hotline workorders reindex`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hotline.jobs.runner import Job
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders import assist, search
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


JOBS = [
    Job("workorders.sweep_deadlines", 60, sweep),
    Job("workorders.retrain_suggester", 24 * 3600, retrain),
]
