"""The work orders' background job entry points run on a migrated database (that the migrations
build what the models declare is tests/store/test_model_drift.py, for every domain at once)."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.channels.inbox import retry_pending
from hotline.store.db import Database
from hotline.workorders import assist, jobs
from hotline.workorders.models import ClassifierModel


def test_jobs_run(db: Database) -> None:
    assert jobs.sweep(db) == {"warning": 0, "supervision": 0, "escalation": 0}
    assert jobs.retrain(db) == {"category": 0, "department": 0}
    assert retry_pending(db) == 0  # the channels' job, run with the work orders' tables
    for _ in range(4):
        jobs.retrain(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassifierModel)) == 2 * assist.KEEP_MODELS
    from hotline.plugins import all_jobs, default_plugins

    names = {j.name for j in all_jobs(default_plugins())}
    assert {"workorders.sweep_deadlines", "channels.retry_inbox"} <= names
